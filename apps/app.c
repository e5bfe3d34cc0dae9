/*
 * apps/app.c: the application table (KEEL_APP entries in the `keel_apps`
 * section), keel.cfg's `app=NAME` and `app.NAME.KEY=VALUE`, and starting
 * the chosen application on its own work queue (apps/conn.h).
 */
#include "apps/conn.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/wq.h"

#define APP_NAME_MAX    24
#define APP_MAX_OPTIONS 16
#define APP_KEY_MAX     48
#define APP_VALUE_MAX   96

/* The linker makes these bound the `keel_apps` section (linker.ld names
 * them for keel.efi; a hosted link defines them by the section's name). */
extern const struct app_desc __start_keel_apps[], __stop_keel_apps[];

struct app {
	const struct app_desc *desc;
	struct wq *a_wq;
	struct work a_start_work;       /* runs desc->start on a_wq */
	void (*a_stop)(struct app *app);   /* app_set_stop, or NULL */
	struct app *a_next;             /* app_running */
};

/* Started applications; they run until the kernel stops (an orderly
 * shutdown first runs the stops they set, app_stop_all). */
static struct app *app_running;

/* keel.cfg's choices: written by the command line at boot (one CPU, before
 * any application runs), read by the applications. */
static char app_selected[APP_NAME_MAX];
static struct {
	char key[APP_KEY_MAX];          /* "NAME.KEY" */
	char value[APP_VALUE_MAX];
} app_options[APP_MAX_OPTIONS];
static int app_noptions;

static const struct app_desc *app_find(const char *name, size_t len)
{
	for (const struct app_desc *d = __start_keel_apps; d < __stop_keel_apps; d++)
		if (strlen(d->name) == len && strncmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

int app_select(const char *name)
{
	if (strlen(name) >= APP_NAME_MAX || app_find(name, strlen(name)) == NULL)
		return -ENOENT;
	strcpy(app_selected, name);
	return 0;
}

int app_set_option(const char *name_key, const char *value)
{
	const char *dot = strchr(name_key, '.');

	if (dot == NULL || dot[1] == '\0' || strlen(name_key) >= APP_KEY_MAX ||
	    strlen(value) >= APP_VALUE_MAX)
		return -EINVAL;
	if (app_find(name_key, (size_t)(dot - name_key)) == NULL)
		return -ENOENT;
	for (int i = 0; i < app_noptions; i++) {
		if (strcmp(app_options[i].key, name_key) == 0) {
			strcpy(app_options[i].value, value);
			return 0;
		}
	}
	if (app_noptions == APP_MAX_OPTIONS)
		return -ENOSPC;
	strcpy(app_options[app_noptions].key, name_key);
	strcpy(app_options[app_noptions].value, value);
	app_noptions++;
	return 0;
}

const char *app_option(const struct app *app, const char *key)
{
	size_t n = strlen(app->desc->name);

	for (int i = 0; i < app_noptions; i++) {
		const char *k = app_options[i].key;

		if (strncmp(k, app->desc->name, n) == 0 && k[n] == '.' &&
		    strcmp(k + n + 1, key) == 0)
			return app_options[i].value;
	}
	return NULL;
}

const char *app_name(const struct app *app)
{
	return app->desc->name;
}

struct wq *app_wq(const struct app *app)
{
	return app->a_wq;
}

static void app_start_work(struct work *w)
{
	struct app *app = wq_container_of(w, struct app, a_start_work);
	int rc = app->desc->start(app);

	if (rc < 0)
		pr_err("app: %s did not start (%d)", app->desc->name, rc);
	else
		pr_info("app: %s started", app->desc->name);
}

int app_start(const char *name, struct app **out)
{
	const struct app_desc *d = app_find(name, strlen(name));
	struct app *app;

	if (d == NULL)
		return -ENOENT;
	app = calloc(1, sizeof(*app));
	if (app == NULL)
		return -ENOMEM;
	app->desc = d;
	/* The application lives as long as the kernel; its queue is never destroyed. */
	app->a_wq = wq_create(d->name, APP_MAX_ACTIVE);
	if (app->a_wq == NULL) {
		free(app);
		return -ENOMEM;
	}
	work_init(&app->a_start_work, app_start_work, "app-start");
	app->a_next = app_running;
	app_running = app;
	wq_queue(app->a_wq, &app->a_start_work);
	if (out != NULL)
		*out = app;
	return 0;
}

void app_set_stop(struct app *app, void (*stop)(struct app *app))
{
	app->a_stop = stop;
}

void app_stop_all(void)
{
	for (struct app *app = app_running; app != NULL; app = app->a_next) {
		if (app->a_stop == NULL)
			continue;
		app->a_stop(app);
		pr_info("app: %s stopped", app->desc->name);
	}
}

const char *app_selected_name(void)
{
	return app_selected[0] != '\0' ? app_selected : NULL;
}

int app_start_selected(void)
{
	if (app_selected[0] == '\0')
		return 0;
	return app_start(app_selected, NULL);
}
