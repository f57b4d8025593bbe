/*
 * mailhived.c - the mail backend's master process.
 *
 *   mailhived [-c CONFFILE] [-d]
 *
 * The master reads the configuration, opens the listening sockets, and
 * forks the services: N smtp, imap and pop3 workers, the outbound
 * queue, the full-text indexer and the jobs process. It never parses
 * client bytes. It also maps the shared tables the workers use (SMTP
 * connection counters, mailbox change counters). It restarts a service
 * that dies, waiting 1 s, then 2, 4, ... up to 60 s when a service keeps
 * dying young; SIGHUP re-reads the configuration and restarts the
 * services with it (listeners are reopened when their addresses changed);
 * SIGTERM stops the services (SMTP sessions in DATA may finish within 30
 * s, the others get 421) and exits.
 *
 * <run_dir>/mailhived.pid holds the master's pid; <run_dir>/mailhived.
 * services lists "name pid" of the running services for `mailhive status`.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "daemon.h"
#include "imapd.h"
#include "indexer.h"
#include "jobs.h"
#include "listen.h"
#include "log.h"
#include "pool.h"
#include "pwhash.h"
#include "notify.h"
#include "pop3d.h"
#include "queue.h"
#include "smtpd.h"
#include "token.h"

#define MASTER_MAX_SERVICES (3 * SMTPD_MAX_WORKERS + 4)
#define MASTER_BACKOFF_MAX 60
#define MASTER_STABLE_SECONDS 60	/* alive this long: back-off resets */
#define MASTER_STOP_WAIT 40

enum service_kind {
	SVC_SMTP, SVC_IMAP, SVC_POP3, SVC_QUEUE, SVC_INDEXER, SVC_JOBS
};

struct service {
	char name[32];
	enum service_kind kind;
	unsigned int index;
	pid_t pid;
	time_t started;
	time_t next_start;
	unsigned int backoff;
};

static struct service services[MASTER_MAX_SERVICES];
static unsigned int nservices;
/* every listening socket: one per worker of its service, all bound to
 * the address with SO_REUSEPORT. Reopened on SIGHUP only when the
 * address changed, so clients never see the port close. */
struct open_listener {
	int fd;
	enum service_kind proto;
	int kind;		/* enum smtpd_port, or 1 for implicit TLS */
	unsigned int worker;
	char spec[128];
};

#define MASTER_MAX_LISTENERS (7 * SMTPD_MAX_WORKERS)
static struct open_listener open_fds[MASTER_MAX_LISTENERS];
static unsigned int nopen;
static bool have_imap, have_pop3;
static struct smtpd_shared *shared;
static char *conf_path;
static char pid_path[4096], services_path[4096];

static volatile sig_atomic_t got_term, got_hup, got_chld;

static void on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

/* workers_of - how many workers a service kind runs */
static unsigned int workers_of(enum service_kind kind)
{
	unsigned int n = kind == SVC_SMTP ? cfg.smtp_workers :
		kind == SVC_IMAP ? cfg.imap_workers : cfg.pop3_workers;

	return n < 1 ? 1 : n > SMTPD_MAX_WORKERS ? SMTPD_MAX_WORKERS : n;
}

/* take_open - the kept socket for (proto, kind, spec, worker), or -1;
 * *group_r says whether any socket of that address is kept */
static int take_open(enum service_kind proto, int kind, const char *spec,
		     unsigned int worker, bool *group_r)
{
	int fd = -1;

	for (unsigned int j = 0; j < nopen; j++) {
		struct open_listener *o = &open_fds[j];

		if (o->fd < 0 || o->proto != proto || o->kind != kind ||
		    strcmp(o->spec, spec) != 0)
			continue;
		*group_r = true;
		if (o->worker == worker) {
			fd = o->fd;
			o->fd = -1;	/* kept */
		}
	}
	return fd;
}

/* open_listeners - (re)open the listeners whose address changed, one
 * socket per worker */
static void open_listeners(void)
{
	const struct {
		const char *spec;
		enum service_kind proto;
		int kind;
	} want[7] = {
		{ cfg.smtp_listen, SVC_SMTP, SMTPD_PORT_MX },
		{ cfg.smtp_submission_listen, SVC_SMTP, SMTPD_PORT_SUBMISSION },
		{ cfg.smtp_smtps_listen, SVC_SMTP, SMTPD_PORT_SMTPS },
		{ cfg.imap_listen, SVC_IMAP, 0 },
		{ cfg.imap_imaps_listen, SVC_IMAP, 1 },
		{ cfg.pop3_listen, SVC_POP3, 0 },
		{ cfg.pop3_pop3s_listen, SVC_POP3, 1 },
	};
	static struct open_listener fresh[MASTER_MAX_LISTENERS];
	unsigned int n = 0;
	const char *error;

	have_imap = have_pop3 = false;
	for (int i = 0; i < 7; i++) {
		unsigned int nw = workers_of(want[i].proto);
		bool group = false;
		unsigned int first = n;

		if (want[i].spec[0] == '\0')
			continue;
		for (unsigned int w = 0; w < nw; w++) {
			fresh[n].fd = take_open(want[i].proto, want[i].kind,
						want[i].spec, w, &group);
			fresh[n].proto = want[i].proto;
			fresh[n].kind = want[i].kind;
			fresh[n].worker = w;
			str_lcpy(fresh[n].spec, want[i].spec,
				 sizeof(fresh[n].spec));
			n++;
		}
		for (unsigned int j = first; j < n; j++) {
			if (fresh[j].fd >= 0)
				continue;
			fresh[j].fd = listen_open(want[i].spec, group, &error);
			if (fresh[j].fd < 0)
				fatal("event=startup error=\"cannot listen on"
				      " %s: %s\"", want[i].spec, error);
			group = true;
		}
		if (want[i].proto == SVC_IMAP)
			have_imap = true;
		if (want[i].proto == SVC_POP3)
			have_pop3 = true;
	}
	for (unsigned int j = 0; j < nopen; j++)
		if (open_fds[j].fd >= 0)
			close(open_fds[j].fd);
	memcpy(open_fds, fresh, n * sizeof(fresh[0]));
	nopen = n;
}

/* worker_listeners - in a worker: the sockets that are its own */
static void worker_listeners(enum service_kind proto, unsigned int worker,
			     struct smtpd_listener *smtp,
			     struct tls_listener *tls, unsigned int *n_r)
{
	*n_r = 0;
	for (unsigned int j = 0; j < nopen; j++) {
		const struct open_listener *o = &open_fds[j];

		if (o->proto != proto || o->worker != worker) {
			close(o->fd);
			continue;
		}
		if (proto == SVC_SMTP) {
			smtp[*n_r].fd = o->fd;
			smtp[*n_r].port = o->kind;
		} else {
			tls[*n_r].fd = o->fd;
			tls[*n_r].implicit_tls = o->kind == 1;
		}
		(*n_r)++;
	}
}

/* plan_workers - n services "name/0".. of one kind */
static void plan_workers(const char *name, enum service_kind kind,
			 unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct service *s = &services[nservices++];

		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s/%u", name, i);
		s->kind = kind;
		s->index = i;
	}
}

static void plan_services(void)
{
	nservices = 0;
	plan_workers("smtp", SVC_SMTP, workers_of(SVC_SMTP));
	if (have_imap)
		plan_workers("imap", SVC_IMAP, workers_of(SVC_IMAP));
	if (have_pop3)
		plan_workers("pop3", SVC_POP3, workers_of(SVC_POP3));
	memset(&services[nservices], 0, sizeof(services[0]));
	str_lcpy(services[nservices].name, "queue", sizeof(services[0].name));
	services[nservices].kind = SVC_QUEUE;
	nservices++;
	memset(&services[nservices], 0, sizeof(services[0]));
	str_lcpy(services[nservices].name, "indexer",
		 sizeof(services[0].name));
	services[nservices].kind = SVC_INDEXER;
	nservices++;
	memset(&services[nservices], 0, sizeof(services[0]));
	str_lcpy(services[nservices].name, "jobs", sizeof(services[0].name));
	services[nservices].kind = SVC_JOBS;
	nservices++;
}

static void write_services_file(void)
{
	char tmp[4200];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", services_path);
	fp = fopen(tmp, "w");
	if (fp == NULL)
		return;
	for (unsigned int i = 0; i < nservices; i++)
		if (services[i].pid > 0)
			fprintf(fp, "%s %ld\n", services[i].name,
				(long)services[i].pid);
	fclose(fp);
	rename(tmp, services_path);
}

static void start_service(struct service *s)
{
	sigset_t none;
	pid_t pid = fork();

	if (pid < 0) {
		log_error("event=fork_failed service=%s error=%s", s->name,
			  strerror(errno));
		s->next_start = time(NULL) + 1;
		return;
	}
	if (pid == 0) {
		static struct smtpd_listener smtp_l[3];
		static struct tls_listener tls_l[2];
		struct sigaction sa;
		unsigned int nl;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGALRM, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		log_init(s->name, strcmp(cfg.log_level, "debug") == 0 ?
			 LOG_DEBUG : LOG_INFO);
		worker_listeners(s->kind, s->index, smtp_l, tls_l, &nl);
		if (s->kind == SVC_SMTP)
			smtpd_worker_main(smtp_l, nl, shared, s->index);
		if (s->kind == SVC_IMAP)
			imapd_worker_main(tls_l, nl, s->index);
		if (s->kind == SVC_POP3)
			pop3d_worker_main(tls_l, nl, s->index);
		if (s->kind == SVC_QUEUE)
			queue_main();
		if (s->kind == SVC_INDEXER)
			indexer_main();
		jobs_main();
	}
	s->pid = pid;
	s->started = time(NULL);
	log_info("event=service_started service=%s pid=%ld", s->name,
		 (long)pid);
}

static void reap(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned int i = 0; i < nservices; i++) {
			struct service *s = &services[i];

			if (s->pid != pid)
				continue;
			s->pid = 0;
			if (s->kind == SVC_SMTP)
				smtpd_shared_forget(shared, s->index);
			if (got_term)
				break;
			if (time(NULL) - s->started >= MASTER_STABLE_SECONDS)
				s->backoff = 0;
			s->backoff = s->backoff == 0 ? 1 :
				(s->backoff * 2 > MASTER_BACKOFF_MAX ?
				 MASTER_BACKOFF_MAX : s->backoff * 2);
			s->next_start = time(NULL) + s->backoff;
			log_warn("event=service_died service=%s pid=%ld"
				 " status=%d restart_in=%u", s->name,
				 (long)pid, status, s->backoff);
		}
	}
}

static void stop_services(void)
{
	for (unsigned int i = 0; i < nservices; i++)
		if (services[i].pid > 0)
			kill(services[i].pid, SIGTERM);
	for (int waited = 0; waited < MASTER_STOP_WAIT * 10; waited++) {
		unsigned int alive = 0;

		for (unsigned int i = 0; i < nservices; i++) {
			if (services[i].pid <= 0)
				continue;
			if (waitpid(services[i].pid, NULL, WNOHANG) != 0)
				services[i].pid = 0;
			else
				alive++;
		}
		if (alive == 0)
			return;
		usleep(100000);
	}
	for (unsigned int i = 0; i < nservices; i++) {
		if (services[i].pid > 0) {
			kill(services[i].pid, SIGKILL);
			waitpid(services[i].pid, NULL, 0);
			services[i].pid = 0;
		}
	}
}

static void reload(void)
{
	char *error;

	log_info("event=reload");
	if (cfg_load(conf_path, &error) < 0) {
		/* keep running on the old settings */
		log_error("event=reload_failed error=%s", log_quote(error));
		free(error);
		if (cfg_load(conf_path, &error) < 0)
			fatal("event=config_error error=%s", log_quote(error));
		return;
	}
	stop_services();
	open_listeners();
	plan_services();
	for (unsigned int i = 0; i < nservices; i++)
		start_service(&services[i]);
	write_services_file();
}

/* raise_fd_limit - every connection is a descriptor: take the hard
 * limit (runuser and login shells start services at 1024) */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("event=fd_limit error=%s", log_quote(strerror(errno)));
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0750) < 0 && errno != EEXIST)
		fatal("event=startup error=\"%s: %s\"", path, strerror(errno));
}

int main(int argc, char **argv)
{
	const char *conf = getenv("MAILHIVE_CONF");
	char *error, log_path[4096];
	struct sigaction sa;
	sigset_t block, old;
	bool detach = false;
	int opt;

	while ((opt = getopt(argc, argv, "c:d")) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'd': detach = true; break;
		default:
			fprintf(stderr, "usage: mailhived [-c CONFFILE] [-d]\n");
			return 2;
		}
	}
	log_init("mailhived", LOG_INFO);
	if (conf != NULL && conf[0] != '\0')
		conf_path = xstrdup(conf);
	if (cfg_load(conf_path, &error) < 0)
		fatal("event=config_error error=%s", log_quote(error));
	if (strcmp(cfg.log_level, "debug") == 0)
		log_init("mailhived", LOG_DEBUG);
	token_init();
	pw_set_params(cfg.pw_opslimit, (size_t)cfg.pw_memlimit);
	make_dir(cfg.run_dir);
	make_dir(cfg.log_dir);
	make_dir(cfg.blob_dir);
	snprintf(pid_path, sizeof(pid_path), "%s/mailhived.pid", cfg.run_dir);
	snprintf(services_path, sizeof(services_path),
		 "%s/mailhived.services", cfg.run_dir);
	if (pid_file_busy(pid_path))
		fatal("event=startup error=\"already running (%s)\"", pid_path);
	raise_fd_limit();
	open_listeners();
	shared = smtpd_shared_new();
	mbox_notify_init();
	if (detach) {
		snprintf(log_path, sizeof(log_path), "%s/mailhived.log",
			 cfg.log_dir);
		if (log_open_file(log_path) < 0)
			fatal("event=startup error=\"%s: %s\"", log_path,
			      strerror(errno));
		daemon_detach();
	}
	pid_file_write(pid_path);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	plan_services();
	for (unsigned int i = 0; i < nservices; i++)
		start_service(&services[i]);
	write_services_file();
	log_info("event=started listeners=%u services=%u", nopen,
		 nservices);
	while (!got_term) {
		bool changed = false;

		alarm(1);
		sigsuspend(&old);
		if (got_term)
			break;
		if (got_chld) {
			got_chld = 0;
			reap();
			changed = true;
		}
		if (got_hup) {
			got_hup = 0;
			reload();
			continue;
		}
		for (unsigned int i = 0; i < nservices; i++) {
			if (services[i].pid == 0 &&
			    time(NULL) >= services[i].next_start) {
				start_service(&services[i]);
				changed = true;
			}
		}
		if (changed)
			write_services_file();
	}
	log_info("event=stopping");
	alarm(0);
	stop_services();
	unlink(services_path);
	unlink(pid_path);
	log_info("event=stopped");
	return 0;
}
