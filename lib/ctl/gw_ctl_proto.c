/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_util.h"
#include "ctl/gw_ctl.h"
#include "ctl/gw_ctl_private.h"

/*
 * Messages can carry bytes chosen by a client (the command name, jansson's
 * "near '...'" excerpt of a broken request): jansson refuses invalid UTF-8,
 * so such text is escaped rather than losing the answer.
 */
json_t *
gw_ctl_string(const char *s)
{
	json_t *v = json_string(s);
	char buf[GW_CTL_ERR_MAX * 4 + 1];

	if (v != NULL)
		return v;
	gw_escape((const uint8_t *)s, strnlen(s, GW_CTL_ERR_MAX), buf,
		  sizeof(buf));
	return json_string(buf);
}

/* Dumps an answer object into one line with its newline. */
static char *
answer_line(json_t *ans, size_t *out_len)
{
	char *s;
	char *line;
	size_t len;

	s = json_dumps(ans, JSON_COMPACT);
	if (s == NULL)
		return NULL;
	len = strlen(s);
	line = realloc(s, len + 2);
	if (line == NULL) {
		free(s);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	*out_len = len + 1;
	return line;
}

char *
gw_ctl_error_line(const char *msg, size_t *out_len)
{
	json_t *ans = json_object();
	char *line = NULL;

	if (ans == NULL)
		return NULL;
	if (json_object_set_new(ans, "ok", json_false()) == 0 &&
	    json_object_set_new(ans, "error", gw_ctl_string(msg)) == 0)
		line = answer_line(ans, out_len);
	json_decref(ans);
	return line;
}

static char *
data_line(json_t *data, size_t *out_len)
{
	json_t *ans = json_object();
	char *line = NULL;

	if (ans == NULL) {
		json_decref(data);
		return NULL;
	}
	if (json_object_set_new(ans, "ok", json_true()) == 0 &&
	    json_object_set_new(ans, "data", data) == 0)
		line = answer_line(ans, out_len);
	json_decref(ans);
	return line;
}

char *
gw_ctl_handle_request(const char *line, size_t len, gw_ctl_handler_fn fn,
		      void *arg, size_t *out_len)
{
	char msg[GW_CTL_ERR_MAX + 64];
	char err[GW_CTL_ERR_MAX];
	json_error_t jerr;
	json_t *req;
	json_t *jcmd;
	json_t *args;
	json_t *data;
	char *out;

	if (len > GW_CTL_REQUEST_MAX)
		return gw_ctl_error_line("request too large", out_len);
	if (len == 0)
		return gw_ctl_error_line("malformed request: empty request",
					 out_len);
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(msg, sizeof(msg), "malformed request: %s", jerr.text);
		return gw_ctl_error_line(msg, out_len);
	}
	if (!json_is_object(req)) {
		json_decref(req);
		return gw_ctl_error_line(
			"malformed request: not a JSON object", out_len);
	}
	jcmd = json_object_get(req, "cmd");
	if (!json_is_string(jcmd)) {
		json_decref(req);
		return gw_ctl_error_line(
			"malformed request: 'cmd' must be a string", out_len);
	}
	args = json_object_get(req, "args");
	if (args == NULL || json_is_null(args)) {
		args = json_object();
		if (args == NULL) {
			json_decref(req);
			return NULL;
		}
	} else if (json_is_object(args)) {
		json_incref(args);
	} else {
		json_decref(req);
		return gw_ctl_error_line(
			"malformed request: 'args' must be an object", out_len);
	}
	err[0] = '\0';
	data = fn(json_string_value(jcmd), args, arg, err, sizeof(err));
	if (data != NULL) {
		out = data_line(data, out_len);
	} else {
		err[sizeof(err) - 1] = '\0';
		out = gw_ctl_error_line(err[0] != '\0' ? err : "internal error",
					out_len);
	}
	json_decref(args);
	json_decref(req);
	return out;
}

json_t *
gw_ctl_dispatch(const char *cmd, json_t *args, void *dispatch, char *err,
		size_t errlen)
{
	const struct gw_ctl_dispatch *d = dispatch;
	char name[64 * 4 + 1];
	size_t i;

	for (i = 0; d != NULL && i < d->n_cmds; i++) {
		if (strcmp(d->cmds[i].name, cmd) == 0)
			return d->cmds[i].fn(cmd, args, d->arg, err, errlen);
	}
	/* The name is the client's: escaped, and cut to something readable. */
	gw_escape((const uint8_t *)cmd, strnlen(cmd, 64), name, sizeof(name));
	snprintf(err, errlen, "unknown command '%s'", name);
	return NULL;
}
