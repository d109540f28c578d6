/*
 * internal.h: what chain.c, checkpoint.c and verify.c share. Not part of the
 * public face (include/mnsafe/audit.h is).
 */
#ifndef MNS_AUDIT_INTERNAL_H
#define MNS_AUDIT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnsafe/audit.h"

/* Domain separation prefix of the canonical encoding, NUL included. */
#define AUDIT_DOMAIN "mnsafe-audit-v1"
#define AUDIT_DOMAIN_LEN 16

/* Longest actor, action, subject, purpose, result, client (bytes). */
#define AUDIT_FIELD_MAX 256
/* Longest detail (bytes). */
#define AUDIT_DETAIL_MAX 1024
/* Longest canonical encoding of a valid entry: prefix, seq, ts, tenant_id,
 * seven text fields (flag + length + bytes), prev_hash. */
#define AUDIT_ENC_MAX                                                                              \
    (AUDIT_DOMAIN_LEN + 3 * 8 + 7 * 5 + 6 * AUDIT_FIELD_MAX + AUDIT_DETAIL_MAX + MNS_HASH_LEN)

/* Longest key name in a note (C2SP: non-empty, no whitespace, no '+'). */
#define AUDIT_KEY_NAME_MAX 64
/* Longest note we write or accept: body (~85 bytes), blank line and up to
 * AUDIT_NOTE_SIGS_MAX signature lines is bounded well below this. */
#define AUDIT_NOTE_MAX 2048
/* Signature lines accepted in one note (C2SP suggests a small bound). */
#define AUDIT_NOTE_SIGS_MAX 16
/* Entries appended but not yet committed: one transaction can hold this many. */
#define AUDIT_PENDING_MAX (1u << 20)
/* Default checkpoint interval. */
#define AUDIT_EVERY_DEFAULT 1000u
/* Checkpoints verify() keeps in memory per source (database, file). */
#define AUDIT_VERIFY_CHECKPOINTS_MAX (1u << 20)

/* The em dash (U+2014) that starts a signature line, in UTF-8. */
#define AUDIT_EM_DASH "\xE2\x80\x94"
/* Ed25519 signature type identifier of C2SP signed-note. */
#define AUDIT_SIGTYPE_ED25519 0x01

struct mns_audit {
    struct mns_store *st;
    char *checkpoint_path; /* NULL: checkpoints only in the database */
    char key_name[AUDIT_KEY_NAME_MAX + 1];
    unsigned every;

    /* committed chain state */
    uint64_t count;
    uint8_t head[MNS_HASH_LEN];

    /* entries appended in the open transaction: hashes of seq count+1 ... */
    uint8_t (*pend)[MNS_HASH_LEN];
    size_t pend_len, pend_cap;

    /* signer (seed in secure memory) */
    uint8_t *seed;
    uint8_t pub[MNS_ED25519_PUB_LEN];

    /* checkpoints: entries of the newest one in the database; a note that
     * reached the database but not the file is kept to retry the file. */
    uint64_t cp_count;
    /* several servers on one database: the newest checkpoint adopted into
     * this server's file (audit_adopt_notes) */
    uint64_t adopted_upto;
    /* file_lock guards the notes waiting for the file, oldest first: the
     * file is appended to by mns_audit_flush_file[_upto], which runs without
     * the caller's lock (after the sync that made the notes' rows durable).
     * Every note goes to the file: verify wants each database note there. */
    pthread_mutex_t file_lock;
    struct audit_file_note *file_head, *file_tail;
    size_t file_waiting;
};

/* A signed note in the database, not yet in the checkpoint file. */
struct audit_file_note {
    struct audit_file_note *next;
    uint64_t count;
    size_t len;     /* text's length, its "\n" separator included */
    char text[];
};

/* Notes that wait for the file beyond this many (the file has failed for
 * long): the oldest is given up; verify then names it as missing there. */
#define AUDIT_FILE_WAITING_MAX 1024

/* Key name used when the configuration names none. */
#define AUDIT_KEY_NAME_DEFAULT "mnsafe-audit"

/* Called by mns_audit_commit: retries a note the file missed and signs a
 * checkpoint when one is due and a signer is set. With deferred (group
 * commit), the row is committed without a sync and the file is left to
 * mns_audit_flush_file. */
mns_err audit_checkpoint_due(struct mns_audit *a, bool deferred);
/* Forgets the notes waiting for the file (mns_audit_free). */
void audit_file_notes_release(struct mns_audit *a);

/* Checks the fields of an entry against the limits; MNS_OK or
 * MNS_ERR_INVALID with *field (optional) naming the offending field. */
mns_err audit_entry_check(const struct mns_audit_entry *e, const char **field);

/* SHA-256 over the canonical encoding (see chain.c). e must pass
 * audit_entry_check; MNS_ERR_LIMIT otherwise. */
mns_err audit_entry_hash(uint8_t out[MNS_HASH_LEN], uint64_t seq, int64_t ts,
                         const struct mns_audit_entry *e, const uint8_t prev[MNS_HASH_LEN]);

/* true for a key name allowed in a note. */
bool audit_key_name_ok(const char *name);
mns_err audit_key_id(uint8_t id[4], const char *key_name, const uint8_t pub[MNS_ED25519_PUB_LEN]);

/* Writes the signed note for (count, head) into out (AUDIT_NOTE_MAX). */
mns_err audit_note_format(char *out, size_t size, size_t *len, const char *key_name,
                          const uint8_t seed[MNS_ED25519_SEED_LEN],
                          const uint8_t pub[MNS_ED25519_PUB_LEN], uint64_t count,
                          const uint8_t head[MNS_HASH_LEN]);

/* What audit_note_open found. */
enum audit_note_status {
    AUDIT_NOTE_OK,
    AUDIT_NOTE_MALFORMED, /* not a note of our origin and shape */
    AUDIT_NOTE_UNSIGNED,  /* no signature line of (key name, key id) */
    AUDIT_NOTE_BAD_SIG,   /* our key's signature line does not verify */
};

/* Parses text[0..len) as a checkpoint note and verifies its signature by
 * (key_name, pub). On AUDIT_NOTE_OK *count and head are set. Returns
 * MNS_OK with *status set, or an error when a primitive failed. */
mns_err audit_note_open(enum audit_note_status *status, uint64_t *count,
                        uint8_t head[MNS_HASH_LEN], const char *text, size_t len,
                        const char *key_name, const uint8_t pub[MNS_ED25519_PUB_LEN]);

/* Appends record (a note and its "\n" separator) to path, fsyncs. */
mns_err audit_file_append(const char *path, const char *record, size_t len);
/* Several servers on one database: appends to this server's checkpoint file
 * the notes other servers signed that it does not hold yet, so that each
 * server's file stays a complete copy. */
mns_err audit_adopt_notes(struct mns_audit *a);

/* Unix time in milliseconds. */
int64_t audit_now_ms(void);

#endif
