/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "incident-filter.h"
#include "bus-errors.h"
#include "shared/macro.h"

int incident_filter_from_message(sd_bus_message *m, char **ret_id, sd_bus_error *error)
{
        int r;

        *ret_id = NULL;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *key, *contents = NULL, *id;

                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r <= 0)
                        break;
                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                (void) sd_bus_message_peek_type(m, NULL, &contents);
                if (!streq(key, "id"))
                        return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                                 "Unknown filter '%.64s'; known: id", key);
                if (!contents || !streq(contents, "s"))
                        return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                                 "Filter 'id' must be a string (type s)");
                r = sd_bus_message_read(m, "v", "s", &id);
                if (r < 0)
                        return r;
                if (strlen(id) < 8 || strlen(id) > 32 || strspn(id, "0123456789abcdef") != strlen(id))
                        return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                                 "Filter 'id' must be 8 to 32 lowercase hex digits");
                free(*ret_id);
                *ret_id = strdup(id);
                if (!*ret_id)
                        return -ENOMEM;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}
