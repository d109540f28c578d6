/* placeholder so the module library has a source until its code lands */
typedef int mns_crypto_placeholder_t;
