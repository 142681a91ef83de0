/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A strict RFC 5424 parser for test_rfc5424.c, written from the RFC's ABNF (section 6):
 * parse_msg() takes a message apart or says what is wrong and where; parse() fails the test
 * on any violation; param(), assert_param() and assert_no_param() look at the SD-PARAMs.
 *
 *	SYSLOG-MSG      = HEADER SP STRUCTURED-DATA [SP MSG]
 *	HEADER          = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 *	PRI             = "<" PRIVAL ">"		PRIVAL = 1*3DIGIT, 0..191
 *	VERSION         = NONZERO-DIGIT 0*2DIGIT
 *	HOSTNAME        = NILVALUE / 1*255PRINTUSASCII
 *	APP-NAME        = NILVALUE / 1*48PRINTUSASCII
 *	PROCID          = NILVALUE / 1*128PRINTUSASCII
 *	MSGID           = NILVALUE / 1*32PRINTUSASCII
 *	TIMESTAMP       = NILVALUE / FULL-DATE "T" FULL-TIME	(RFC 3339, "." 1*6DIGIT)
 *	STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
 *	SD-ELEMENT      = "[" SD-ID *(SP SD-PARAM) "]"
 *	SD-PARAM        = PARAM-NAME "=" %d34 PARAM-VALUE %d34
 *	SD-NAME         = 1*32PRINTUSASCII except '=', SP, ']', %d34
 *	PARAM-VALUE     = UTF-8-STRING, with '"', '\' and ']' escaped by '\'
 */
#ifndef EMBARGO_TESTS_RFC5424_PARSE_H
#define EMBARGO_TESTS_RFC5424_PARSE_H

#include "unit.h"

#define MAX_PARAMS 32

struct param {
	char name[33];
	char *value;		/* unescaped, NUL-terminated */
	size_t len;
};

struct msg {
	int pri;
	int version;
	char timestamp[64];
	char hostname[256];
	char app[49];
	char procid[129];
	char msgid[33];
	char sd_id[33];
	struct param params[MAX_PARAMS];
	size_t nparams;
	const char *body;	/* into the parsed buffer; NULL: no MSG */
	size_t body_len;
};

static inline bool printusascii(unsigned char c)
{
	return c >= 33 && c <= 126;
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing past U+10FFFF. */
static inline bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			return false;
		}
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= n || s[i + k] < lo || s[i + k] > hi)
				return false;
			lo = 0x80;
			hi = 0xBF;
		}
		i += need + 1;
	}
	return true;
}

/* 1*max PRINTUSASCII (or "-") up to the next SP, into out; false if anything is off. */
static inline bool header_field(const char **p, const char *end, size_t max, char *out)
{
	size_t n = 0;

	while (*p < end && **p != ' ') {
		if (!printusascii((unsigned char)**p) || n == max)
			return false;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	if (!n || *p == end)
		return false;
	(*p)++;		/* SP */
	return true;
}

static inline bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

static inline int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* FULL-DATE "T" FULL-TIME, with every range RFC 3339 gives. */
static inline bool valid_timestamp(const char *t)
{
	size_t n = strlen(t), i = 19;

	if (!strcmp(t, "-"))
		return true;
	if (n < 20 || !digits(t, 4) || t[4] != '-' || !digits(t + 5, 2) || t[7] != '-' ||
	    !digits(t + 8, 2) || t[10] != 'T' || !digits(t + 11, 2) || t[13] != ':' ||
	    !digits(t + 14, 2) || t[16] != ':' || !digits(t + 17, 2))
		return false;
	if (num2(t + 5) < 1 || num2(t + 5) > 12 || num2(t + 8) < 1 || num2(t + 8) > 31 ||
	    num2(t + 11) > 23 || num2(t + 14) > 59 || num2(t + 17) > 60)
		return false;
	if (t[i] == '.') {
		size_t k = 0;

		for (i++; is_digit(t[i]); i++)
			k++;
		if (k < 1 || k > 6)
			return false;
	}
	if (t[i] == 'Z')
		return t[i + 1] == '\0';
	return (t[i] == '+' || t[i] == '-') && digits(t + i + 1, 2) && t[i + 3] == ':' &&
	       digits(t + i + 4, 2) && t[i + 6] == '\0' && num2(t + i + 1) <= 23 &&
	       num2(t + i + 4) <= 59;
}

static inline bool sd_name(const char **p, const char *end, char *out)
{
	size_t n = 0;

	while (*p < end && printusascii((unsigned char)**p) && **p != '=' && **p != ']' &&
	       **p != '"') {
		if (n == 32)
			return false;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	return n > 0;
}

/* PARAM-VALUE up to the closing quote, unescaped; an unescaped ']' is an error. */
static inline bool param_value(const char **p, const char *end, struct param *prm)
{
	char *v = malloc((size_t)(end - *p) + 1);
	size_t n = 0;

	assert_non_null(v);
	for (;;) {
		if (*p == end)
			goto bad;
		if (**p == '"')
			break;
		if (**p == ']')
			goto bad;
		if (**p == '\\' && *p + 1 < end &&
		    ((*p)[1] == '"' || (*p)[1] == '\\' || (*p)[1] == ']')) {
			v[n++] = (*p)[1];
			*p += 2;
			continue;
		}
		v[n++] = *(*p)++;	/* any other backslash is itself */
	}
	(*p)++;
	v[n] = '\0';
	if (!valid_utf8((const unsigned char *)v, n))
		goto bad;
	prm->value = v;
	prm->len = n;
	return true;
bad:
	free(v);
	return false;
}

static inline void msg_free(struct msg *m)
{
	for (size_t i = 0; i < m->nparams; i++)
		free(m->params[i].value);
	m->nparams = 0;
}

/* Parse s (n bytes) into m: NULL, or what is wrong (*at: its offset). */
static inline const char *parse_msg(const char *s, size_t n, struct msg *m, size_t *at)
{
	const char *p = s, *end = s + n, *start;
	char ver[4];

	memset(m, 0, sizeof(*m));
#define BAD(what) do { *at = (size_t)(p - s); return what; } while (0)
	/* PRI */
	if (p == end || *p++ != '<')
		BAD("PRI <");
	start = p;
	while (p < end && is_digit(*p) && p - start < 3)
		m->pri = m->pri * 10 + (*p++ - '0');
	if (p == start || p == end || *p != '>' || (p - start > 1 && *start == '0') ||
	    m->pri > 191)
		BAD("PRIVAL");
	p++;
	/* VERSION */
	start = p;
	while (p < end && is_digit(*p) && p - start < 3)
		p++;
	if (p == start || *start == '0' || p == end || *p != ' ')
		BAD("VERSION");
	memcpy(ver, start, (size_t)(p - start));
	ver[p - start] = '\0';
	m->version = atoi(ver);
	p++;
	if (!header_field(&p, end, 63, m->timestamp) || !valid_timestamp(m->timestamp))
		BAD("TIMESTAMP");
	if (!header_field(&p, end, 255, m->hostname))
		BAD("HOSTNAME");
	if (!header_field(&p, end, 48, m->app))
		BAD("APP-NAME");
	if (!header_field(&p, end, 128, m->procid))
		BAD("PROCID");
	if (!header_field(&p, end, 32, m->msgid))
		BAD("MSGID");
	/* STRUCTURED-DATA: this envelope always has exactly one element */
	if (p == end || *p++ != '[')
		BAD("SD-ELEMENT [");
	if (!sd_name(&p, end, m->sd_id))
		BAD("SD-ID");
	while (p < end && *p == ' ') {
		struct param *prm = &m->params[m->nparams];

		p++;
		if (m->nparams == MAX_PARAMS)
			BAD("too many params");
		if (!sd_name(&p, end, prm->name))
			BAD("PARAM-NAME");
		if (p + 1 >= end || p[0] != '=' || p[1] != '"')
			BAD("=\"");
		p += 2;
		if (!param_value(&p, end, prm))
			BAD("PARAM-VALUE");
		m->nparams++;
	}
	if (p == end || *p++ != ']')
		BAD("SD-ELEMENT ]");
	if (p < end && *p == '[')
		BAD("a second SD-ELEMENT");
	if (p == end)
		return NULL;
	if (*p++ != ' ')
		BAD("SP before MSG");
	m->body = p;
	m->body_len = (size_t)(end - p);
	return NULL;
#undef BAD
}

/* Parse, failing the test on any violation, naming where it is. */
static inline void parse(const char *s, size_t n, struct msg *m)
{
	size_t at = 0;
	const char *why = parse_msg(s, n, m, &at);

	if (why)
		fail_msg("not RFC 5424 (%s) at byte %zu: %.*s", why, at, (int)n, s);
}

static inline const struct param *param(const struct msg *m, const char *name)
{
	const struct param *found = NULL;

	for (size_t i = 0; i < m->nparams; i++) {
		if (strcmp(m->params[i].name, name))
			continue;
		if (found)
			fail_msg("param %s twice", name);
		found = &m->params[i];
	}
	return found;
}

static inline void assert_param(const struct msg *m, const char *name, const char *want)
{
	const struct param *p = param(m, name);

	if (!p)
		fail_msg("no param %s", name);
	if (p->len != strlen(want) || memcmp(p->value, want, p->len))
		fail_msg("%s=\"%s\", want \"%s\"", name, p->value, want);
}

static inline void assert_no_param(const struct msg *m, const char *name)
{
	const struct param *p = param(m, name);

	if (p)
		fail_msg("param %s=\"%s\" present", name, p->value);
}

#endif /* EMBARGO_TESTS_RFC5424_PARSE_H */
