/*
 * stoppage_builtin.c - the default stop page template (conf/stoppage.html),
 * built into the binaries, so that a vetod installed without its data files,
 * or started from another directory, still shows a complete page. An
 * operator's own template (stop_page_template) always wins.
 */
#include <stddef.h>

#include "serve/stoppage.h"

__asm__(
    "	.section .rodata\n"
    "	.global stop_builtin_template\n"
    "	.type stop_builtin_template, @object\n"
    "stop_builtin_template:\n"
    "	.incbin \"conf/stoppage.html\"\n"
    "	.byte 0\n"
    "	.global stop_builtin_template_end\n"
    "stop_builtin_template_end:\n"
    "	.previous\n");

extern const char stop_builtin_template[], stop_builtin_template_end[];

const char *
stop_builtin(size_t *len)
{
	*len = (size_t)(stop_builtin_template_end - stop_builtin_template) - 1;
	return stop_builtin_template;
}
