/*
 * worker_ipc_whitelist.c: whitelist requests (worker_ipc.h). The
 * whitelist module validates, changes and saves; this file turns its
 * results into replies the API can show as they are, and announces every
 * change with a WhitelistChanged event so dashboards need not poll.
 *
 * A change is saved on the store writer (store_writer.h): the loop never
 * waits on its fsyncs. The list in memory, the reply and the event all
 * wait for the file to be durable; a failed save changes nothing and is
 * answered ERR_INTERNAL, as a save in place would be.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "store/store_writer.h"
#include "whitelist/whitelist.h"
#include "wl_error.h"
#include "worker_ipc_impl.h"

#define WIPC_STR2(x)	#x
#define WIPC_STR(x)	WIPC_STR2(x)

/* One WhitelistChanged event: number added or removed, or replaced. */
static void
announce(struct worker_ipc *w, char *added, char *removed)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__WhitelistChanged ch = WLIPC__WHITELIST_CHANGED__INIT;

	ch.count = (uint32_t)whitelist_count(w->wl);
	if (added != NULL) {
		ch.n_added = 1;
		ch.added = &added;
	} else if (removed != NULL) {
		ch.n_removed = 1;
		ch.removed = &removed;
	} else
		ch.has_replaced = ch.replaced = true;
	ev.body_case = WLIPC__EVENT__BODY_WHITELIST;
	ev.whitelist = &ch;
	wipc_publish(w, &ev);
}

/*
 * The first change saved after a load that rejected lines writes the
 * served list alone: say once where the operator's lines went.
 */
static void
note_rejects_saved_over(const struct whitelist *wl, bool were_in_file)
{
	const struct whitelist_report *r = whitelist_report(wl);

	if (were_in_file && !r->in_file)
		log_warnx("whitelist saved without the %zu lines its last load "
		    "rejected; the file as it was is " WHITELIST_FILE_NAME
		    ".bak until the next change", r->rejected);
}

static void
answer_invalid(struct wipc_answer *a, const char *input, const char *reason)
{
	wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER,
	    "invalid phone number: %s", reason);
	(void)wipc_answer_add_invalid(a, input, reason);
}

/* A failure that is not the caller's: the file could not be saved. */
static void
answer_internal(struct wipc_answer *a, const char *what, int rc)
{
	log_warn(rc, "ipc: whitelist %s not saved; nothing changed", what);
	wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
	    "the whitelist could not be saved (%s); nothing changed",
	    wl_strerror(rc));
}

static void
answer_full(struct wipc_answer *a)
{
	wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
	    "the whitelist is full: at most %d numbers", WHITELIST_MAX);
}

static void
answer_check(struct wipc_answer *a, bool allowed)
{
	a->check.number = a->number;
	a->check.allowed = allowed;
	a->rep.body_case = WLIPC__REPLY__BODY_CHECK;
	a->rep.check = &a->check;
}

/* The last load's rejected lines; on ENOMEM only their count. */
static void
list_rejects(const struct whitelist *wl, struct wipc_answer *a)
{
	const struct whitelist_report *r = whitelist_report(wl);
	size_t i;

	a->wl.has_rejected = a->wl.has_duplicates = true;
	a->wl.rejected = (uint32_t)r->rejected;
	a->wl.duplicates = (uint32_t)r->duplicates;
	a->wl.has_rejects_in_file = true;
	a->wl.rejects_in_file = r->in_file;
	if (r->kept == 0 ||
	    (a->wl_rej = calloc(r->kept, sizeof(*a->wl_rej))) == NULL ||
	    (a->wl_rejp = calloc(r->kept, sizeof(*a->wl_rejp))) == NULL)
		return;
	for (i = 0; i < r->kept; i++) {
		wlipc__whitelist_reject__init(&a->wl_rej[i]);
		a->wl_rej[i].line = r->lines[i].line;
		a->wl_rej[i].has_column = r->lines[i].column > 0;
		a->wl_rej[i].column = r->lines[i].column;
		a->wl_rej[i].reason = (char *)r->lines[i].reason;
		a->wl_rejp[i] = &a->wl_rej[i];
	}
	a->wl.rejects = a->wl_rejp;
	a->wl.n_rejects = r->kept;
}

static void
handle_list(struct worker_ipc *w, struct wipc_answer *a)
{
	size_t n = whitelist_count(w->wl), i = 0, cur = 0;
	const char *s;

	if ((a->numbers = calloc(n > 0 ? n : 1, sizeof(char *))) == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "out of memory listing the whitelist");
		return;
	}
	while (i < n && (s = whitelist_next(w->wl, &cur)) != NULL)
		a->numbers[i++] = (char *)s;
	a->wl.numbers = a->numbers;
	a->wl.n_numbers = i;
	a->wl.count = (uint32_t)i;
	list_rejects(w->wl, a);
	a->rep.body_case = WLIPC__REPLY__BODY_WHITELIST;
	a->rep.whitelist = &a->wl;
}

/* What the change's save came to, as the reply and the event say it. */
static void
respond(struct worker_ipc *w, Wlipc__Request__BodyCase what, bool in_file,
    int rc, struct wipc_answer *a)
{
	const char *name = what == WLIPC__REQUEST__BODY_WHITELIST_ADD ? "add" :
	    what == WLIPC__REQUEST__BODY_WHITELIST_REMOVE ? "remove" :
	    "replace";

	if (rc < 0) {
		answer_internal(a, name, rc);
		return;
	}
	switch (what) {
	case WLIPC__REQUEST__BODY_WHITELIST_ADD:
		note_rejects_saved_over(w->wl, in_file);
		answer_check(a, true);
		announce(w, a->number, NULL);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_REMOVE:
		note_rejects_saved_over(w->wl, in_file);
		answer_check(a, false);
		announce(w, NULL, a->number);
		break;
	default:
		wipc_answer_done(a);
		announce(w, NULL, NULL);
		break;
	}
}

/* On the writer's thread: the file only, the list is the loop's. */
static int
save_work(void *arg)
{
	return whitelist_change_write(((struct wipc_pending *)arg)->ch);
}

/* Back on the loop: the list takes the change the disk holds, then the
 * reply goes out and the REP reads again. */
static void
save_done(void *arg, int rc)
{
	struct wipc_pending *p = arg;
	struct worker_ipc *w = p->w;

	if (rc == 0)
		whitelist_change_apply(w->wl, p->ch);
	whitelist_change_free(p->ch);
	p->ch = NULL;
	w->pending = NULL;
	respond(w, p->what, p->in_file, rc, p->a);
	wipc_pending_send(w, p);
}

void
wipc_whitelist_pending_free(struct wipc_pending *p)
{
	if (p == NULL)
		return;
	whitelist_change_free(p->ch);
	free(p->a);	/* a deferred answer holds nothing else yet */
	free(p);
}

/* Saves ch (taken) on the writer, or in place without one. */
static void
save(struct worker_ipc *w, Wlipc__Request__BodyCase what,
    struct whitelist_change *ch, struct wipc_answer *a)
{
	bool in_file = whitelist_report(w->wl)->in_file;
	struct wipc_pending *p;
	int rc;

	if (w->writer != NULL && (p = calloc(1, sizeof(*p))) != NULL) {
		*p = (struct wipc_pending){ .w = w, .a = a, .ch = ch,
		    .what = what, .in_file = in_file };
		if (store_writer_submit(w->writer, save_work, save_done,
		    p) == 0) {
			w->pending = p;
			a->deferred = true;
			return;
		}
		free(p);	/* shutting down: in place */
	}
	if ((rc = whitelist_change_write(ch)) == 0)
		whitelist_change_apply(w->wl, ch);
	whitelist_change_free(ch);
	respond(w, what, in_file, rc, a);
}

static void
handle_add(struct worker_ipc *w, const char *input, struct wipc_answer *a)
{
	struct whitelist_change *ch = NULL;
	const char *reason = NULL;
	int rc;

	rc = whitelist_add_prepare(w->wl, input, a->number, &reason, &ch);
	if (rc == 0)
		save(w, WLIPC__REQUEST__BODY_WHITELIST_ADD, ch, a);
	else if (rc == -WL_EBADNUMBER)
		answer_invalid(a, input, reason);
	else if (rc == -EEXIST)
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_DUPLICATE,
		    "%s is already on the whitelist", a->number);
	else if (rc == -WL_EFULL)
		answer_full(a);
	else
		answer_internal(a, "add", rc);
}

static void
handle_remove(struct worker_ipc *w, const char *input, struct wipc_answer *a)
{
	struct whitelist_change *ch = NULL;
	const char *reason = NULL;
	int rc;

	rc = whitelist_remove_prepare(w->wl, input, a->number, &reason, &ch);
	if (rc == 0)
		save(w, WLIPC__REQUEST__BODY_WHITELIST_REMOVE, ch, a);
	else if (rc == -WL_EBADNUMBER)
		answer_invalid(a, input, reason);
	else if (rc == -ENOENT)
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_NOT_FOUND,
		    "%s is not on the whitelist", a->number);
	else
		answer_internal(a, "remove", rc);
}

static void
on_invalid(void *arg, size_t index, const char *input, const char *reason)
{
	(void)index;
	(void)wipc_answer_add_invalid(arg, input, reason);
}

/* All or nothing: every invalid entry is reported and nothing changes. */
static void
handle_replace(struct worker_ipc *w, const Wlipc__NumberList *list,
    struct wipc_answer *a)
{
	struct whitelist_change *ch = NULL;
	int rc;

	rc = whitelist_replace_prepare(w->wl,
	    (const char *const *)list->numbers, list->n_numbers, on_invalid,
	    a, &ch);
	if (rc == 0)
		save(w, WLIPC__REQUEST__BODY_WHITELIST_REPLACE, ch, a);
	else if (rc == -WL_EBADNUMBER) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER,
		    "%zu invalid number%s%s; nothing changed",
		    a->n_invalid_total, a->n_invalid_total == 1 ? "" : "s",
		    a->n_invalid < a->n_invalid_total ?
		    " (the first " WIPC_STR(WORKER_IPC_INVALID_MAX)
		    " are listed)" : "");
		a->err.invalid = a->invalid;
		a->err.n_invalid = a->n_invalid;
	} else if (rc == -WL_EFULL)
		answer_full(a);
	else
		answer_internal(a, "replace", rc);
}

static void
handle_check(struct worker_ipc *w, const char *input, struct wipc_answer *a)
{
	const char *reason = NULL;

	if (phone_normalise(input, a->number, &reason) < 0) {
		answer_invalid(a, input, reason);
		return;
	}
	answer_check(a, whitelist_has(w->wl, a->number));
}

void
wipc_whitelist_handle(struct worker_ipc *w, const Wlipc__Request *rq,
    struct wipc_answer *a)
{
	if (w->wl == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    "the whitelist is not loaded yet");
		return;
	}
	switch (rq->body_case) {
	case WLIPC__REQUEST__BODY_WHITELIST_LIST:
		handle_list(w, a);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_ADD:
		handle_add(w, rq->whitelist_add, a);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_REMOVE:
		handle_remove(w, rq->whitelist_remove, a);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_REPLACE:
		handle_replace(w, rq->whitelist_replace, a);
		break;
	default:
		handle_check(w, rq->check_number, a);
		break;
	}
}
