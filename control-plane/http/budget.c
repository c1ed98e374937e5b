/* budget.c: per-address connections and open request slots (budget.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "http/budget.h"

#define ADDR_MAX	48	/* civetweb's remote_addr */

struct ctl_budget_addr {
	char		addr[ADDR_MAX];
	unsigned	conns;		/* 0: free slot */
};

struct ctl_budget {
	pthread_mutex_t		lock;		/* guards a[] */
	struct ctl_budget_addr	a[CTL_BUDGET_ADDRS];
	atomic_int		open;
};

struct ctl_budget *
ctl_budget_new(void)
{
	struct ctl_budget *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

void
ctl_budget_free(struct ctl_budget *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static size_t
addr_hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

struct ctl_budget_addr *
ctl_budget_conn_open(struct ctl_budget *b, const char *addr)
{
	struct ctl_budget_addr *e, *spare = NULL;
	size_t h, i;

	if (addr == NULL)
		return NULL;
	h = addr_hash(addr);
	pthread_mutex_lock(&b->lock);
	/* Open addressing; a freed slot may sit before a live one, so the
	 * probe runs over the whole table before taking a spare. */
	for (i = 0; i < CTL_BUDGET_ADDRS; i++) {
		e = &b->a[(h + i) % CTL_BUDGET_ADDRS];
		if (e->conns == 0) {
			if (spare == NULL)
				spare = e;
			continue;
		}
		if (strncmp(e->addr, addr, ADDR_MAX) == 0) {
			e->conns++;
			pthread_mutex_unlock(&b->lock);
			return e;
		}
	}
	if (spare != NULL) {
		strncpy(spare->addr, addr, ADDR_MAX - 1);
		spare->addr[ADDR_MAX - 1] = '\0';
		spare->conns = 1;
	}
	pthread_mutex_unlock(&b->lock);
	return spare;
}

void
ctl_budget_conn_close(struct ctl_budget *b, struct ctl_budget_addr *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&b->lock);
	if (e->conns > 0)
		e->conns--;
	pthread_mutex_unlock(&b->lock);
}

bool
ctl_budget_client_ok(struct ctl_budget *b, const struct ctl_budget_addr *e)
{
	bool ok;

	if (e == NULL)
		return false;
	pthread_mutex_lock(&b->lock);
	ok = e->conns <= CTL_CLIENT_CONNS;
	pthread_mutex_unlock(&b->lock);
	return ok;
}

bool
ctl_budget_open_enter(struct ctl_budget *b)
{
	if (atomic_fetch_add(&b->open, 1) >= CTL_OPEN_MAX) {
		atomic_fetch_sub(&b->open, 1);
		return false;
	}
	return true;
}

void
ctl_budget_open_leave(struct ctl_budget *b)
{
	atomic_fetch_sub(&b->open, 1);
}
