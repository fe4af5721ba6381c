/* veto.c - names of the shared enums (see veto.h) */
#include "core/veto.h"

const char *
veto_proto_name(enum veto_proto p)
{
	static const char *names[VPROTO_COUNT] = {"dns", "http", "tls", "quic"};

	return (unsigned)p < VPROTO_COUNT ? names[p] : "?";
}

const char *
veto_action_name(enum veto_action a)
{
	static const char *names[VACT_COUNT] = {
		"allowed", "blocked", "malformed", "unknown-name"};

	return (unsigned)a < VACT_COUNT ? names[a] : "?";
}
