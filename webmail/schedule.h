#ifndef MH_WM_SCHEDULE_H
#define MH_WM_SCHEDULE_H
/*
 * schedule.h - scheduled sending in webmail (schedule.c): storing a
 * message for the jobs service to send (backend/jobs/scheduled.c), and
 * the Scheduled view that lists the pending ones to edit, send now or
 * cancel.
 */
#include <stddef.h>
#include <time.h>

struct web_req;

struct wm_schedule {
	time_t at;
	const char *from;		/* envelope sender */
	const char *const *rcpts;	/* every recipient, Bcc too */
	unsigned int nrcpts;
	const char *subject, *to;	/* for the view */
};

/* wm_schedule_time - "YYYY-MM-DDTHH:MM" in time zone tz (an IANA name;
 * the server's when NULL or empty) as a time at least a minute ahead
 * and at most a year; NULL with *at_r, or the message key */
const char *wm_schedule_time(struct web_req *req, const char *local,
			     const char *tz, time_t *at_r);

/* wm_schedule_store - the message (as Sent will hold it, Bcc header
 * included) made durable in the blob store and its row written; -1 on
 * failure (logged) */
int wm_schedule_store(struct web_req *req, const struct wm_schedule *s,
		      const char *data, size_t len);

/* GET and POST /mail/scheduled */
int wm_page_scheduled(struct web_req *req);
int wm_action_scheduled(struct web_req *req);

#endif
