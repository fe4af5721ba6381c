/*
 * unit.h - what every unit test includes: cmocka and the helpers the tests
 * share (reading test data files by name).
 */
#ifndef VETO_UNIT_H
#define VETO_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Path of a file in tests/data (tests run from the repository root). */
static inline const char *
unit_data(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "tests/data/%s", name);
	return path;
}

#endif
