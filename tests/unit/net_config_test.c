/*
 * tests/unit/net_config_test.c: keel.cfg's network and application options
 * through the kernel's own parser (kernel/cmdline.c, compiled in here with
 * a console that records what cmdline_report prints).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "apps/conn.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "lwip/def.h"
#include "net/net.h"
#include "tests/unit/harness.h"

static char console_text[2048];

void console_set_mode(unsigned mode)
{
	(void)mode;
}

void console_printf(const char *fmt, ...)
{
	size_t used = strlen(console_text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(console_text + used, sizeof(console_text) - used, fmt, ap);
	va_end(ap);
}

#include "kernel/cmdline.c"

static int net_cmdline_ip(void)
{
	cmdline_parse("ip=10.1.2.3/16,10.1.0.1 net=on app=httpd app.httpd.port=8080");
	cmdline_report();
	CHECK_EQ(console_text[0], '\0');              /* no problems */
	CHECK(net_config.nc_static && !net_config.nc_off);
	CHECK_EQ(lwip_ntohl(net_config.nc_addr), 0x0a010203);
	CHECK_EQ(lwip_ntohl(net_config.nc_netmask), 0xffff0000);
	CHECK_EQ(lwip_ntohl(net_config.nc_gateway), 0x0a010001);
	CHECK_EQ(net_config.nc_prefix, 16);
	cmdline_parse("ip=dhcp net=off mtu=3000");
	CHECK(!net_config.nc_static && net_config.nc_off);
	CHECK_EQ(net_config.nc_mtu, 3000);
	CHECK_EQ(net_config_set_mtu("575"), -EINVAL);
	CHECK_EQ(net_config_set_mtu("9001"), -EINVAL);
	CHECK_EQ(net_config_set_mtu("1500x"), -EINVAL);
	CHECK_EQ(net_config.nc_mtu, 3000);
	net_config.nc_mtu = 0;
	return 0;
}

static int net_cmdline_bad(void)
{
	static const char *const bad[] = {
		"10.0.0.5", "10.0.0.5/24", "10.0.0.5/24,", "10.0.0.256/24,10.0.0.1",
		"10.0.0.5/33,10.0.0.1", "10.0.0.5/0,10.0.0.1", "10.0.0.5/24,10.0.1.1",
		"10.0.0/24,10.0.0.1", "10.0.0.5/24,10.0.0.5", "a.b.c.d/24,10.0.0.1",
		"10.0.0.5/24,10.0.0.1x", "DHCP",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (net_config_set_ip(bad[i]) != -EINVAL) {
			fprintf(stderr, "  accepted ip=%s\n", bad[i]);
			return 1;
		}
	}
	CHECK(!net_config.nc_static);                 /* nothing was applied */
	cmdline_parse("ip=10.0.0.5/24 net=maybe app=nosuch app.httpd.=1 app.nosuch.port=1");
	cmdline_report();
	CHECK(strstr(console_text, "bad value in option 'ip=10.0.0.5/24'") != NULL);
	CHECK(strstr(console_text, "bad value in option 'net=maybe'") != NULL);
	CHECK(strstr(console_text, "bad value in option 'app=nosuch'") != NULL);
	CHECK(strstr(console_text, "bad application option 'app.httpd.=1'") != NULL);
	CHECK(strstr(console_text, "bad application option 'app.nosuch.port=1'") != NULL);
	return 0;
}

static int net_app_options(void)
{
	struct app *app;

	CHECK_EQ(app_set_option("httpd.port", "8080"), 0);
	CHECK_EQ(app_set_option("httpd.port", "8081"), 0);   /* the last one wins */
	CHECK_EQ(app_select("httpd"), 0);
	CHECK_EQ(app_select("nosuch"), -ENOENT);
	CHECK_EQ(app_start("httpd", &app), 0);
	CHECK(strcmp(app_name(app), "httpd") == 0);
	CHECK(strcmp(app_option(app, "port"), "8081") == 0);
	CHECK(app_option(app, "host") == NULL);
	t_run();          /* start fails: no network (net_start not called) */
	return 0;
}

const struct unit_test net_config_tests[] = {
	{ "net_cmdline_ip", net_cmdline_ip, QUICK },
	{ "net_cmdline_bad", net_cmdline_bad, QUICK },
	{ "net_app_options", net_app_options, QUICK },
	{ NULL, NULL, QUICK },
};
