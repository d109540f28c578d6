/* migrations.h: the versioned schema, shared by the store backends. */
#ifndef MNS_STORE_MIGRATIONS_H
#define MNS_STORE_MIGRATIONS_H

struct mns_migration {
    int version;
    const char *name;
    /* Portable DDL: INTEGER (64-bit), TEXT, BLOB. A backend may rewrite the
     * type names (BLOB -> BYTEA, INTEGER -> BIGINT) before running it. */
    const char *sql;
};

extern const struct mns_migration mns_migrations[];
extern const int mns_migrations_count;
/* The import staging tables (not versioned: see migrations.c), with
 * {schema} and {kind} to fill in (store_staging_ddl). */
extern const char mns_staging_ddl[];

#endif
