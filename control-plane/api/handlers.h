/*
 * handlers.h: one function per route (http/route.h), grouped by file:
 * whitelist.c, whatsapp.c, session.c, events.c, misc.c. Each answers
 * through http/request.h and returns the status it sent. The gate in
 * http/server.c has already checked auth, CSRF and worker reachability.
 */
#ifndef WALINK_CTL_HANDLERS_H
#define WALINK_CTL_HANDLERS_H

#include "http/request.h"

int	api_whitelist_list(struct ctl_req *);
int	api_whitelist_add(struct ctl_req *);
int	api_whitelist_remove(struct ctl_req *);
int	api_whitelist_bulk(struct ctl_req *);
int	api_whitelist_export(struct ctl_req *);

int	api_whatsapp_state(struct ctl_req *);
int	api_whatsapp_qr(struct ctl_req *);
int	api_whatsapp_logout(struct ctl_req *);
int	api_whatsapp_restart(struct ctl_req *);
int	api_whatsapp_qr_new(struct ctl_req *);
int	api_whatsapp_pair_code(struct ctl_req *);

int	api_auth_login(struct ctl_req *);
int	api_auth_logout(struct ctl_req *);
int	api_auth_session(struct ctl_req *);
int	api_auth_logout_all(struct ctl_req *);

int	api_events(struct ctl_req *);

int	api_sessions(struct ctl_req *);
int	api_session_one(struct ctl_req *);

/* messages.c: sends the bot starts, statuses, webhook dead letters */
int	api_messages_send(struct ctl_req *);
int	api_messages_list(struct ctl_req *);
int	api_message_one(struct ctl_req *);
int	api_webhooks_dead(struct ctl_req *);
int	api_webhooks_redeliver(struct ctl_req *);

int	api_index(struct ctl_req *);
int	api_static(struct ctl_req *);
int	api_healthz(struct ctl_req *);
int	api_metrics(struct ctl_req *);
int	api_openapi(struct ctl_req *);

/* Maps a failed IPC call to 503/502 with a clear message. */
int	api_worker_error(struct ctl_req *, int rc);

#endif
