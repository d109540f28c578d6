/*
 * audit.h: the tamper-evident audit log.
 *
 * Every act appends one entry to table audit_log inside the caller's open
 * transaction, so the entry and the act commit or fail together (fail closed).
 * Entry n holds hash(n-1); its own hash is SHA-256 over a canonical encoding
 * of all its fields (see lib/audit/chain.c), so editing, deleting or
 * reordering rows breaks the chain. Entries hold ids, never a My Number.
 *
 * Every `every_entries` entries (or on demand) a checkpoint is signed with
 * Ed25519 in the C2SP signed-note format:
 *
 *     <origin>\n<entry count>\n<base64 head hash>\n\n— <key name> <base64(keyid||sig)>\n
 *
 * and stored both in table audit_checkpoints and, appended, in a file outside
 * the database, so that cutting the newest rows is seen.
 *
 * The chain state (sequence and head hash) lives in struct mns_audit; the
 * caller tells it the outcome of the transaction (mns_audit_commit /
 * mns_audit_abort) so an aborted transaction's entries are forgotten.
 * One struct mns_audit per writer; not thread-safe.
 */
#ifndef MNSAFE_AUDIT_H
#define MNSAFE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnsafe/crypto.h"
#include "mnsafe/error.h"
#include "mnsafe/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MNS_AUDIT_ORIGIN "mnsafe.local/audit"

struct mns_audit;

struct mns_audit_entry {
    int64_t time_ms;      /* 0: now */
    const char *actor;    /* user name, "system", or "-" before login */
    const char *action;   /* "person.create", "person.reveal", "auth.login"... */
    int64_t tenant_id;    /* 0: none */
    const char *subject;  /* "person:123", "user:alice"...; NULL: none. Never a number. */
    const char *purpose;  /* purpose code, or NULL */
    const char *result;   /* "ok", "denied", "error:<name>" */
    const char *client;   /* "unix", "127.0.0.1"...; NULL: none */
    const char *detail;   /* short free text, NULL: none. Never a number. */
};

struct mns_audit_config {
    const char *checkpoint_path; /* file outside the DB the notes are appended to */
    const char *key_name;        /* signer name in the notes, e.g. "mnsafe-audit" */
    unsigned every_entries;      /* sign a checkpoint at least this often (0: 1000) */
};

/* Loads the chain head from the store. The signing key is set later (it is
 * only known once unsealed); without it no checkpoint is signed. */
mns_err mns_audit_open(struct mns_audit **out, struct mns_store *st,
                       const struct mns_audit_config *cfg, mns_errmsg *em) MNS_WUR;
void mns_audit_free(struct mns_audit *a);

/* Copies the signing seed into secure memory. NULL seed forgets the key. */
mns_err mns_audit_set_signer(struct mns_audit *a, const uint8_t seed[MNS_ED25519_SEED_LEN]) MNS_WUR;

/* Appends one entry inside the caller's transaction. Errors: MNS_ERR_INVALID
 * (a field too long, control or bidi characters, bad UTF-8), MNS_ERR_AUDIT
 * (the row could not be written: fail the act), MNS_ERR_LIMIT, MNS_ERR_NOMEM. */
mns_err mns_audit_append(struct mns_audit *a, const struct mns_audit_entry *e) MNS_WUR;
/* Call after the transaction committed: makes the appended entries the new
 * head and, when due and a signer is set, writes a checkpoint (in its own
 * transaction) to the store and the file. MNS_ERR_IO / MNS_ERR_STORE mean the
 * chain has moved on but the checkpoint was not written (it is retried). */
mns_err mns_audit_commit(struct mns_audit *a) MNS_WUR;
/* The same for a group commit whose sync comes later and without the
 * caller's lock: a due checkpoint's row is committed without a sync, and its
 * note goes to the file only when mns_audit_flush_file is called, after the
 * caller's mns_store_sync. */
mns_err mns_audit_commit_unsynced(struct mns_audit *a) MNS_WUR;
/* Appends the checkpoint notes that are in the database but not yet in the
 * file (one write and one fsync for all). Safe without the caller's lock,
 * concurrently with the other calls. Call it only when every commit so far
 * is durable; after a sync that covers the commits up to N entries, call
 * mns_audit_flush_file_upto(a, N): a note signed by a later commit waits. */
mns_err mns_audit_flush_file(struct mns_audit *a) MNS_WUR;
mns_err mns_audit_flush_file_upto(struct mns_audit *a, uint64_t entries) MNS_WUR;
/* Reads the chain's head (and the newest checkpoint) from the store again:
 * call at the start of a write transaction when other servers append to
 * the same log (mns_store_is_shared). Nothing may be pending. */
mns_err mns_audit_reload(struct mns_audit *a) MNS_WUR;
/* Call after the transaction rolled back: forgets the appended entries. */
void mns_audit_abort(struct mns_audit *a);
/* Savepoint support for a group of acts in one transaction: mark() before an
 * act, abort_to() after rolling that act back. */
uint64_t mns_audit_mark(const struct mns_audit *a);
void mns_audit_abort_to(struct mns_audit *a, uint64_t mark);

/* Signs a checkpoint of the current head now (own transaction); nothing new
 * if the head is already signed. MNS_ERR_STATE without a key or entries. */
mns_err mns_audit_checkpoint(struct mns_audit *a, mns_errmsg *em) MNS_WUR;

/* Number of committed entries. */
uint64_t mns_audit_count(const struct mns_audit *a);

/* The public key's id and note signature line helpers, exposed for tests. */
void mns_audit_key_id(uint8_t id[4], const char *key_name, const uint8_t pub[MNS_ED25519_PUB_LEN]);

/* ---- offline verification ------------------------------------------------ */

struct mns_audit_report {
    uint64_t entries;          /* rows read */
    uint64_t checkpoints;      /* checkpoints checked (DB and file) */
    uint64_t first_bad_seq;    /* 0 when the chain is intact */
    char problem[MNS_ERRMSG_MAX]; /* empty when all is well */
};

/* Recomputes the whole chain from the store, checks every checkpoint in the
 * store and in checkpoint_path (may be NULL) against pub, and that no
 * checkpoint names more entries than the store has (a cut tail). Returns
 * MNS_OK when intact, MNS_ERR_TAMPERED with report filled otherwise;
 * MNS_ERR_INVALID / MNS_ERR_STORE / MNS_ERR_IO when it could not check. */
mns_err mns_audit_verify(struct mns_store *st, const char *checkpoint_path,
                         const uint8_t pub[MNS_ED25519_PUB_LEN], const char *key_name,
                         struct mns_audit_report *report) MNS_WUR;

#ifdef __cplusplus
}
#endif
#endif
