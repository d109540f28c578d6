/* manage.js: the officer's, auditor's and sysadmin's screens that act on
 * the system (approvals, incidents, access review, the check sheet, users,
 * tenants, backups). Loaded after app.js (both deferred, so both run before
 * DOMContentLoaded); it adds its words to WORDS and its screens to ROUTES. */
"use strict";
