/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse stage of the policy loader: libyaml events -> a small node tree
 * that keeps the position of every node. Validation works on the tree, so
 * it can report as many errors as the file holds and point at each one.
 *
 * The policy language is a plain subset of YAML: anchors, aliases and tags
 * are refused (an alias makes one node stand for another, which hides what
 * a security review reads), as is a second document in the stream.
 */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "policy/gw_policy_private.h"

#define POL_CHUNK_SIZE 65536

struct pol_chunk {
	struct pol_chunk *next;
	size_t used;
	size_t size;
	max_align_t data[];
};

void *
pol_arena_alloc(struct pol_arena *a, size_t size)
{
	struct pol_chunk *c = a->head;
	size_t need = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t);
	size_t units;
	void *p;

	if (size == 0 || size > SIZE_MAX / 2)
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		units = GW_MAX(need, POL_CHUNK_SIZE / sizeof(max_align_t));
		c = malloc(sizeof(*c) + units * sizeof(max_align_t));
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->size = units;
		/* A big item gets its own chunk; keep filling the current one. */
		if (a->head != NULL && need > POL_CHUNK_SIZE / sizeof(max_align_t)) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = &c->data[c->used];
	c->used += need;
	return p;
}

void
pol_arena_free(struct pol_arena *a)
{
	struct pol_chunk *c = a->head;

	while (c != NULL) {
		struct pol_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
}

static unsigned int
mark_pos(size_t v)
{
	/* libyaml marks are 0-based; diagnostics are 1-based. */
	return v >= UINT32_MAX - 1 ? UINT32_MAX : (unsigned int)v + 1;
}

static struct pol_node *
node_new(struct pol_loader *ld, uint8_t kind, const yaml_mark_t *m)
{
	struct pol_node *n = pol_arena_alloc(&ld->arena, sizeof(*n));

	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = mark_pos(m->line);
	n->col = mark_pos(m->column);
	return n;
}

static void
node_attach(struct pol_node *parent, struct pol_node *n)
{
	if (parent->last == NULL)
		parent->first = n;
	else
		parent->last->next = n;
	parent->last = n;
	parent->n++;
}

/* Anchors and tags are refused where they appear; the node is kept. */
static void
check_props(struct pol_loader *ld, const yaml_mark_t *m,
	    const yaml_char_t *anchor, const yaml_char_t *tag, bool implicit)
{
	char esc[64];

	if (anchor != NULL) {
		gw_escape(anchor, strlen((const char *)anchor), esc, sizeof(esc));
		pol_err_at(ld, mark_pos(m->line), mark_pos(m->column),
			   "YAML anchors are not supported ('&%s'): write the value out",
			   esc);
	}
	if (tag != NULL && !implicit) {
		gw_escape(tag, strlen((const char *)tag), esc, sizeof(esc));
		pol_err_at(ld, mark_pos(m->line), mark_pos(m->column),
			   "YAML tags are not supported ('%s')", esc);
	}
}

int
pol_yaml_parse(struct pol_loader *ld, const uint8_t *buf, size_t len,
	       struct pol_node **rootp)
{
	struct pol_node *stack[POL_DEPTH_MAX];
	struct pol_node *root = NULL;
	unsigned int depth = 0, docs = 0;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	*rootp = NULL;
	if (!yaml_parser_initialize(&parser))
		return GW_ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);

	while (!done) {
		struct pol_node *n = NULL;
		bool push = false;
		char esc[64];

		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				rc = GW_ENOMEM;
			} else {
				pol_err_at(ld, mark_pos(parser.problem_mark.line),
					   mark_pos(parser.problem_mark.column),
					   "YAML syntax error: %s%s%s",
					   parser.problem != NULL ? parser.problem : "invalid input",
					   parser.context != NULL ? " " : "",
					   parser.context != NULL ? parser.context : "");
				rc = GW_ECONFIG;
			}
			break;
		}

		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				pol_err_at(ld, mark_pos(ev.start_mark.line),
					   mark_pos(ev.start_mark.column),
					   "a second YAML document: the policy is one document");
				done = true;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			gw_escape(ev.data.alias.anchor,
				  strlen((const char *)ev.data.alias.anchor), esc,
				  sizeof(esc));
			pol_err_at(ld, mark_pos(ev.start_mark.line),
				   mark_pos(ev.start_mark.column),
				   "YAML aliases are not supported ('*%s'): write the value out",
				   esc);
			n = node_new(ld, PN_BAD, &ev.start_mark);
			break;
		case YAML_SCALAR_EVENT:
			check_props(ld, &ev.start_mark, ev.data.scalar.anchor,
				    ev.data.scalar.tag,
				    ev.data.scalar.plain_implicit ||
				    ev.data.scalar.quoted_implicit);
			n = node_new(ld, PN_SCALAR, &ev.start_mark);
			if (n == NULL)
				break;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			n->len = ev.data.scalar.length;
			n->str = pol_arena_alloc(&ld->arena, n->len + 1);
			if (n->str == NULL) {
				n = NULL;
				break;
			}
			memcpy(n->str, ev.data.scalar.value, n->len);
			n->str[n->len] = '\0';
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				check_props(ld, &ev.start_mark,
					    ev.data.sequence_start.anchor,
					    ev.data.sequence_start.tag,
					    ev.data.sequence_start.implicit);
			else
				check_props(ld, &ev.start_mark,
					    ev.data.mapping_start.anchor,
					    ev.data.mapping_start.tag,
					    ev.data.mapping_start.implicit);
			if (depth == POL_DEPTH_MAX) {
				pol_err_at(ld, mark_pos(ev.start_mark.line),
					   mark_pos(ev.start_mark.column),
					   "nesting deeper than %d levels",
					   POL_DEPTH_MAX);
				rc = GW_ECONFIG;
				done = true;
				break;
			}
			n = node_new(ld, ev.type == YAML_SEQUENCE_START_EVENT ?
					 PN_SEQ : PN_MAP, &ev.start_mark);
			push = true;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}

		if ((ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
		     push) && n == NULL && rc == 0) {
			rc = GW_ENOMEM;
			done = true;
		}
		if (n != NULL) {
			if (depth == 0)
				root = n;
			else
				node_attach(stack[depth - 1], n);
			if (push)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc == 0)
		*rootp = root;
	return rc;
}
