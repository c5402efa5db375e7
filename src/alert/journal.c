/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include "journal.h"
#include "alert/alert-fields.h"

int journal_sink_send(const struct alert *a, void *userdata)
{
        struct alert_journal_fields f;
        struct iovec iov[ALERT_JOURNAL_FIELDS_MAX];
        int r;

        r = alert_to_journal_fields(a, &f);
        if (r < 0)
                return r;
        for (size_t i = 0; i < f.n; i++)
                iov[i] = (struct iovec) { .iov_base = f.items[i], .iov_len = strlen(f.items[i]) };
        r = sd_journal_sendv(iov, (int) f.n);
        alert_journal_fields_done(&f);
        return r;
}
