/* term.c: prompting for secrets (shares, passwords, numbers) without echo. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

static long read_stdin_line(char *buf, size_t size)
{
    if (fgets(buf, (int)size, stdin) == NULL)
        return -1;
    size_t n = strlen(buf);
    if (n == size - 1 && buf[n - 1] != '\n') {
        /* longer than the buffer: refuse rather than cut */
        int ch;
        while ((ch = getchar()) != EOF && ch != '\n')
            ;
        memset(buf, 0, size);
        return -2;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return (long)n;
}

long read_secret(const char *prompt, char *buf, size_t size)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    long n = read_stdin_line(buf, size);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    return n;
}

long read_line(const char *prompt, char *buf, size_t size)
{
    if (isatty(STDIN_FILENO)) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
    }
    return read_stdin_line(buf, size);
}
