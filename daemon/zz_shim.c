/* TEMPORARY integration shim - not to be committed */
#include "match.h"
#include "policy.h"
struct matcher *matcher_rebuild(const struct matcher *prev, struct list *const *lists, const bool *keep, unsigned n, struct verr *e)
{ (void)prev; (void)keep; return matcher_build(lists, n, e); }
