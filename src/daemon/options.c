/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include "options.h"
#include "shared/macro.h"
#include "tracers/tracer.h"
#include "tracers/ext-conf.h"
#include "metrics/graph.h"
#include "metrics/http-server.h"

enum {
        ARG_VERSION = 0x100,
        ARG_FORMAT,
        ARG_INTERVAL,
        ARG_DURATION,
        ARG_SORT,
        ARG_TOP,
        ARG_PID,
        ARG_RINGBUF_SIZE,
        ARG_LATENCY,
        ARG_DEBUG,
        ARG_CONFIG,
        ARG_CONFIG_DIR,
        ARG_RULES_DIR,
        ARG_TRACERS_DIR,
        ARG_NO_RULES,
        ARG_METRICS,
        ARG_GRAPH,
        ARG_CONTAINER,
        ARG_DOCKER_ROOT,
        ARG_PODMAN_ROOT,
        ARG_PODS_ROOT,
        ARG_NO_IDENTITY,
};

/* "  NAME         TEXT" with TEXT wrapped at spaces to 100 columns under itself. */
static void print_wrapped(FILE *out, const char *name, const char *text)
{
        const int indent = 15, width = 100;

        fprintf(out, "  %-12s ", name);
        while (strlen(text) > (size_t) (width - indent)) {
                const char *cut = text + (width - indent);

                while (cut > text && *cut != ' ')
                        cut--;
                if (cut == text)
                        break;
                fprintf(out, "%.*s\n%*s", (int) (cut - text), text, indent, "");
                text = cut + 1;
        }
        fprintf(out, "%s\n", text);
}

static void print_help(FILE *out)
{
        fprintf(out,
                "cwatchd — eBPF runtime-security and observability agent for container hosts\n\n"
                "Usage:\n"
                "  cwatchd                      run as the system service\n"
                "  cwatchd run TRACER... [OPTIONS]\n"
                "                               trace in the foreground and print what happens\n"
                "  cwatchd rules check FILE...  check rule files; print file:line:column: errors\n\n"
                "Options for the service:\n"
                "      --config FILE            configuration file (default /etc/cwatch/cwatchd.conf)\n"
                "      --config-dir DIR         drop-in directory (default /etc/cwatch/cwatchd.conf.d)\n"
                "      --rules-dir DIR          as for run: rules from DIR instead of the default ones\n\n"
                "Options for run:\n"
                "  -f, --format FORMAT          table (default), json or csv\n"
                "  -i, --interval SECS          report interval of aggregating tracers (default 3)\n"
                "  -d, --duration SECS          stop after this long (default: until interrupted)\n"
                "      --sort COLUMN            aggregating tracers: sort rows by this column\n"
                "      --top N                  aggregating tracers: rows per interval (default 20)\n"
                "  -p, --pid PID                only this process\n"
                "  -c, --container NAME|ID      only this container: its name, or 4 or more leading\n"
                "                               characters of its id\n"
                "      --docker-root DIR        docker's files (default /var/lib/docker)\n"
                "      --podman-root DIR        podman's files (default /var/lib/containers)\n"
                "      --pods-root DIR          the kubelet's pod log directories (default /var/log/pods)\n"
                "      --no-identity            do not resolve containers, pods and units\n"
                "      --ringbuf-size BYTES     size of the event ring buffer (default 4194304)\n"
                "      --latency SECS           events reach cwatchd at most this late; batching them\n"
                "                               saves CPU (default 0.05; 0: wake up for every event)\n"
                "      --rules-dir DIR          load *.rules from DIR instead of the default\n"
                "                               /etc, /run and /usr/lib cwatch/rules.d (repeatable;\n"
                "                               the first has the highest priority)\n"
                "      --no-rules               do not run the detection rules\n"
                "      --tracers-dir DIR        external tracers (NAME.tracer) from DIR instead of\n"
                "                               /etc and /usr/lib cwatch/tracers.d (cwatch.tracer(5))\n"
                "      --metrics ADDRESS        serve Prometheus metrics on ADDRESS:PORT (or [IPV6]:PORT)\n"
                "      --graph FORMAT           print the TCP connection graph (dot or json) at exit\n"
                "                               instead of the records\n"
                "      --debug                  log debug messages\n"
                "  -h, --help                   show this help\n"
                "      --version                show the version\n\n"
                "Tracers (and the external ones in tracers.d):\n");
        for (size_t i = 0; i < tracer_registry_size; i++)
                print_wrapped(out, tracer_registry[i]->info->name, tracer_registry[i]->info->description);
}

static void list_tracers(FILE *err)
{
        fprintf(err, "valid tracers:");
        for (size_t i = 0; i < tracer_registry_size; i++)
                fprintf(err, " %s", tracer_registry[i]->info->name);
        fputc('\n', err);
}

/* Whether NAME.tracer is in the tracers directory (or the default ones). */
static bool external_tracer_exists(const struct options *o, const char *name)
{
        const char *dirs[] = { o->tracers_dir ?: EXT_TRACER_DIR_ETC,
                               o->tracers_dir ? NULL : EXT_TRACER_DIR_LIB };
        char path[PATH_MAX];

        if (!ext_tracer_name_valid(name))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(dirs) && dirs[i]; i++) {
                snprintf(path, sizeof(path), "%s/%s" EXT_TRACER_SUFFIX, dirs[i], name);
                if (access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

int parse_seconds(const char *s, double min, double max, uint64_t *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end == s || *end || !isfinite(v) || v < min || v > max)
                return -EINVAL;
        *ret = (uint64_t) llround(v * 1e9);
        return 0;
}

static int parse_unsigned(const char *s, unsigned long long min, unsigned long long max,
                          unsigned long long *ret)
{
        unsigned long long v;
        char *end;

        if (!*s || *s == '-' || *s == '+')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int options_parse(struct options *o, int argc, char **argv, FILE *out, FILE *err)
{
        static const struct option longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "format", required_argument, NULL, 'f' },
                { "interval", required_argument, NULL, 'i' },
                { "duration", required_argument, NULL, 'd' },
                { "sort", required_argument, NULL, ARG_SORT },
                { "top", required_argument, NULL, ARG_TOP },
                { "pid", required_argument, NULL, 'p' },
                { "ringbuf-size", required_argument, NULL, ARG_RINGBUF_SIZE },
                { "latency", required_argument, NULL, ARG_LATENCY },
                { "debug", no_argument, NULL, ARG_DEBUG },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "rules-dir", required_argument, NULL, ARG_RULES_DIR },
                { "no-rules", no_argument, NULL, ARG_NO_RULES },
                { "tracers-dir", required_argument, NULL, ARG_TRACERS_DIR },
                { "metrics", required_argument, NULL, ARG_METRICS },
                { "graph", required_argument, NULL, ARG_GRAPH },
                { "container", required_argument, NULL, 'c' },
                { "docker-root", required_argument, NULL, ARG_DOCKER_ROOT },
                { "podman-root", required_argument, NULL, ARG_PODMAN_ROOT },
                { "pods-root", required_argument, NULL, ARG_PODS_ROOT },
                { "no-identity", no_argument, NULL, ARG_NO_IDENTITY },
                {}
        };
        unsigned long long u;
        int c, r;

        *o = (struct options) {
                .mode = MODE_SERVICE,
                .format = OUTPUT_TABLE,
                .interval_ns = DEFAULT_INTERVAL_NS,
                .top = DEFAULT_TOP,
                .ringbuf_size = DEFAULT_RINGBUF_SIZE,
                .latency_ns = DEFAULT_LATENCY_NS,
        };

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "hf:i:d:p:c:", longopts, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        print_help(out);
                        return 1;
                case ARG_VERSION:
                        fprintf(out, "cwatchd %s\n", CWATCH_VERSION);
                        return 1;
                case 'f':
                        r = output_format_from_string(optarg);
                        if (r < 0) {
                                fprintf(err, "cwatchd: unknown format '%s'; valid formats: table json csv\n",
                                        optarg);
                                return -EINVAL;
                        }
                        o->format = r;
                        break;
                case 'i':
                        if (parse_seconds(optarg, 0.1, 86400, &o->interval_ns) < 0) {
                                fprintf(err, "cwatchd: --interval takes seconds between 0.1 and 86400, not '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case 'd':
                        if (parse_seconds(optarg, 0.001, 31536000, &o->duration_ns) < 0) {
                                fprintf(err, "cwatchd: --duration takes a positive number of seconds, not '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_SORT:
                        o->sort = optarg;
                        break;
                case ARG_TOP:
                        if (parse_unsigned(optarg, 1, 100000, &u) < 0) {
                                fprintf(err, "cwatchd: --top takes a number between 1 and 100000, not '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        o->top = u;
                        break;
                case 'p':
                        if (parse_unsigned(optarg, 1, 4194304, &u) < 0) {
                                fprintf(err, "cwatchd: --pid takes a process id, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        o->pid = (int) u;
                        break;
                case ARG_RINGBUF_SIZE:
                        /* a power of two multiple of the page size, as the kernel requires */
                        if (parse_unsigned(optarg, 4096, UINT64_C(1) << 30, &u) < 0 || (u & (u - 1))) {
                                fprintf(err, "cwatchd: --ringbuf-size takes a power of two between 4096 "
                                        "and 1073741824, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        o->ringbuf_size = (uint32_t) u;
                        break;
                case ARG_LATENCY:
                        if (parse_seconds(optarg, 0, 10, &o->latency_ns) < 0) {
                                fprintf(err, "cwatchd: --latency takes seconds between 0 and 10, not '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_METRICS:
                        if (metrics_parse_listen_address(optarg, &(struct sockaddr_storage) {}, &(socklen_t) { 0 }) < 0) {
                                fprintf(err, "cwatchd: --metrics takes ADDRESS:PORT, [IPV6]:PORT or PORT, not '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        o->metrics_listen = optarg;
                        break;
                case ARG_GRAPH:
                        if (graph_format_from_string(optarg) < 0) {
                                fprintf(err, "cwatchd: unknown graph format '%s'; valid formats: dot json\n", optarg);
                                return -EINVAL;
                        }
                        o->graph = optarg;
                        break;
                case ARG_DEBUG:
                        o->debug = true;
                        break;
                case ARG_CONFIG:
                        o->config_file = optarg;
                        break;
                case ARG_CONFIG_DIR:
                        o->config_dir = optarg;
                        break;
                case 'c':
                        if (!*optarg || strlen(optarg) > 255 || strchr(optarg, '/')) {
                                fprintf(err, "cwatchd: --container takes a container name or id, not '%s'\n",
                                        optarg);
                                return -EINVAL;
                        }
                        o->container = optarg;
                        break;
                case ARG_DOCKER_ROOT:
                case ARG_PODMAN_ROOT:
                case ARG_PODS_ROOT:
                        if (optarg[0] != '/') {
                                fprintf(err, "cwatchd: --%s-root takes an absolute directory, not '%s'\n",
                                        c == ARG_DOCKER_ROOT ? "docker" : c == ARG_PODMAN_ROOT ? "podman" : "pods",
                                        optarg);
                                return -EINVAL;
                        }
                        if (c == ARG_DOCKER_ROOT)
                                o->docker_root = optarg;
                        else if (c == ARG_PODMAN_ROOT)
                                o->podman_root = optarg;
                        else
                                o->pods_root = optarg;
                        break;
                case ARG_NO_IDENTITY:
                        o->no_identity = true;
                        break;
                case ARG_RULES_DIR:
                        if (o->n_rules_dirs >= OPTIONS_MAX_RULES_DIRS) {
                                fprintf(err, "cwatchd: at most %d --rules-dir options\n", OPTIONS_MAX_RULES_DIRS);
                                return -EINVAL;
                        }
                        o->rules_dirs[o->n_rules_dirs++] = optarg;
                        break;
                case ARG_TRACERS_DIR:
                        o->tracers_dir = optarg;
                        break;
                case ARG_NO_RULES:
                        o->no_rules = true;
                        break;
                case '?':
                        if (optopt && optopt < 0x100)
                                fprintf(err, "cwatchd: unknown or incomplete option '-%c'\n", optopt);
                        else
                                fprintf(err, "cwatchd: unknown or incomplete option '%s'\n", argv[optind - 1]);
                        fprintf(err, "Try 'cwatchd --help' for the valid options.\n");
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        }

        if (optind >= argc)
                return 0;
        if (streq(argv[optind], "rules")) {
                if (optind + 1 >= argc || !streq(argv[optind + 1], "check")) {
                        fprintf(err, "cwatchd: 'rules' takes the command 'check FILE...'\n");
                        return -EINVAL;
                }
                if (optind + 2 >= argc) {
                        fprintf(err, "cwatchd: rules check needs at least one rule file\n");
                        return -EINVAL;
                }
                o->mode = MODE_RULES_CHECK;
                o->check_files = argv + optind + 2;
                o->n_check_files = argc - optind - 2;
                return 0;
        }
        if (!streq(argv[optind], "run")) {
                fprintf(err, "cwatchd: unknown command '%s'; valid commands: run, rules check\n", argv[optind]);
                return -EINVAL;
        }
        o->mode = MODE_RUN;
        for (int i = optind + 1; i < argc; i++) {
                bool dup = false;

                /* other names may be external tracers (run.c loads them) */
                if (tracer_registry_find(argv[i]) < 0 && !external_tracer_exists(o, argv[i])) {
                        fprintf(err, "cwatchd: unknown tracer '%s'; ", argv[i]);
                        list_tracers(err);
                        return -EINVAL;
                }
                for (size_t j = 0; j < o->n_tracers; j++)
                        dup = dup || streq(o->tracers[j], argv[i]);
                if (!dup && o->n_tracers < OPTIONS_MAX_TRACERS)
                        o->tracers[o->n_tracers++] = argv[i];
        }
        if (o->container && o->no_identity) {
                fprintf(err, "cwatchd: --container needs identity; drop --no-identity\n");
                return -EINVAL;
        }
        if (o->n_tracers == 0) {
                fprintf(err, "cwatchd: run needs at least one tracer; ");
                list_tracers(err);
                return -EINVAL;
        }
        return 0;
}
