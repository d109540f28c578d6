/* placeholder so the module library has a source until its code lands */
typedef int mns_audit_placeholder_t;
