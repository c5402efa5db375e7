/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every cwatchctl verb shares: the bus connection, method calls and their errors, colors. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "shared/macro.h"

const char *ctl_color(const struct ctl *c, const char *sgr)
{
        return c->colors ? sgr : "";
}

int ctl_bus(struct ctl *c)
{
        int r;

        if (c->bus)
                return 0;
        r = sd_bus_open_system(&c->bus);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to the system bus: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        /* let polkit ask for a password when a person is at the terminal */
        (void) sd_bus_set_allow_interactive_authorization(c->bus, isatty(STDIN_FILENO));
        return 0;
}

int ctl_call_failed(const char *what, const sd_bus_error *error, int r)
{
        const char *name = error && error->name ? error->name : "";

        fprintf(stderr, "Failed to %s: %s\n", what, error && error->message ? error->message : strerror(-r));
        if (streq(name, "org.cwatch1.Error.NoSuchTracer") || streq(name, "org.cwatch1.Error.NoSuchProfile"))
                return EXIT_NOT_FOUND;
        if (streq(name, SD_BUS_ERROR_ACCESS_DENIED) || streq(name, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                return EXIT_PRIVILEGE;
        if (streq(name, "org.cwatch1.Error.InvalidArgument") || streq(name, SD_BUS_ERROR_INVALID_ARGS))
                return EXIT_USAGE;
        return EXIT_FAIL;
}

int ctl_call(struct ctl *c, const char *what, const char *method, sd_bus_message **reply, const char *types, ...)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = ctl_bus(c);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_call(c->bus, &m, CTL_BUS_NAME, CTL_BUS_PATH, CTL_BUS_INTERFACE, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(m, isatty(STDIN_FILENO));
        if (r < 0) {
                fprintf(stderr, "Failed to build the call: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        r = sd_bus_call(c->bus, m, 0, &error, reply);
        if (r < 0) {
                r = ctl_call_failed(what, &error, r);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}
