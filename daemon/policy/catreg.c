/* catreg.c - the category registry; see catreg.h. */
#include <pthread.h>
#include <string.h>

#include "policy/catreg.h"
#include "core/util.h"

static pthread_mutex_t cats_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *feed, *cat;
} cats[STATS_MAX_CATS];
static unsigned ncats = 1;		/* 0 is "other" */

uint16_t
stats_category(const char *feed, const char *cat)
{
	uint16_t n = STATS_CAT_OTHER;

	pthread_mutex_lock(&cats_mtx);
	for (unsigned i = 1; i < ncats; i++) {
		if (strcmp(cats[i].feed, feed) == 0 && strcmp(cats[i].cat, cat) == 0) {
			n = (uint16_t)i;
			goto out;
		}
	}
	if (ncats < STATS_MAX_CATS) {
		cats[ncats].feed = xstrdup(feed);
		cats[ncats].cat = xstrdup(cat);
		n = (uint16_t)ncats++;
	}
out:
	pthread_mutex_unlock(&cats_mtx);
	return n;
}

void
stats_category_name(uint16_t n, const char **feed, const char **cat)
{
	pthread_mutex_lock(&cats_mtx);
	if (n == STATS_CAT_OTHER || n >= ncats) {
		*feed = "";
		*cat = "other";
	} else {
		*feed = cats[n].feed;
		*cat = cats[n].cat;
	}
	pthread_mutex_unlock(&cats_mtx);
}

unsigned
stats_categories(void)
{
	unsigned n;

	pthread_mutex_lock(&cats_mtx);
	n = ncats;
	pthread_mutex_unlock(&cats_mtx);
	return n;
}
