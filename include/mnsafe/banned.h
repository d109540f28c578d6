/*
 * banned.h: force-included into every translation unit (git's banned.h).
 * Functions that are easy to misuse become compile errors; use the bounded
 * or reentrant form named beside each.
 */
#ifndef MNSAFE_BANNED_H
#define MNSAFE_BANNED_H

/* The system headers that declare these come first, so that their own
 * (fortified) definitions are seen before the macros below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#define MNS_BANNED(func) sorry_##func##_is_banned_in_mnsafe

#undef strcpy
#define strcpy(x, y) MNS_BANNED(strcpy)          /* use snprintf or memcpy with a length */
#undef strcat
#define strcat(x, y) MNS_BANNED(strcat)
#undef sprintf
#define sprintf(...) MNS_BANNED(sprintf)         /* use snprintf */
#undef vsprintf
#define vsprintf(...) MNS_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) MNS_BANNED(strtok)          /* use strtok_r */
#undef atoi
#define atoi(x) MNS_BANNED(atoi)                 /* use strtol with checks */
#undef gets
#define gets(x) MNS_BANNED(gets)
#undef localtime
#define localtime(x) MNS_BANNED(localtime)       /* use localtime_r / gmtime_r */
#undef gmtime
#define gmtime(x) MNS_BANNED(gmtime)

#endif
