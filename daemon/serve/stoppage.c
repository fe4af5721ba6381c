/* stoppage.c - the request-side parsing and the stop page template; see
 * stoppage.h (the injected 302/451 is engine/blockresp.c). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bytes.h"
#include "serve/stoppage.h"

/* ------------------------------------------------------------------ */
/* The request: query string, Host, Accept-Language. */

/* Percent-decode s[0..n) into out (STOP_QVAL_MAX + 1); false if malformed,
 * too long or holding a NUL. */
static bool
query_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return false;
			h = hex_value((unsigned char)s[i + 1]);
			l = hex_value((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return false;
			c = h * 16 + l;
			i += 2;
		}
		if (c == 0 || o >= STOP_QVAL_MAX)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

static void
query_field(const char *v, size_t n, char *out, bool *has, bool *seen)
{
	if (*seen) {		/* a repeated key is ambiguous: ignore it */
		*has = false;
		out[0] = '\0';
		return;
	}
	*seen = true;
	*has = query_decode(v, n, out);
	if (!*has)
		out[0] = '\0';
}

void
stop_query_parse(const char *qs, size_t len, struct stop_query *q)
{
	bool seen_feed = false, seen_entry = false, seen_cat = false;
	size_t i = 0;

	memset(q, 0, sizeof(*q));
	if (qs == NULL || len > STOP_QUERY_MAX)
		return;
	while (i < len) {
		size_t end = i, eq;

		while (end < len && qs[end] != '&' && qs[end] != ';')
			end++;
		for (eq = i; eq < end && qs[eq] != '='; eq++)
			;
		if (eq < end) {
			const char *k = qs + i, *v = qs + eq + 1;
			size_t kl = eq - i, vl = end - eq - 1;

			if (kl == 4 && memcmp(k, "feed", 4) == 0)
				query_field(v, vl, q->feed, &q->has_feed, &seen_feed);
			else if (kl == 5 && memcmp(k, "entry", 5) == 0)
				query_field(v, vl, q->entry, &q->has_entry, &seen_entry);
			else if (kl == 3 && memcmp(k, "cat", 3) == 0)
				query_field(v, vl, q->cat, &q->has_cat, &seen_cat);
		}
		i = end + 1;
	}
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int
stop_host_name(const char *host, size_t len, char out[NORM_NAME_MAX + 1])
{
	size_t n, colon;
	int r;

	if (host == NULL)
		return -1;
	while (len > 0 && is_ows(*host)) {
		host++;
		len--;
	}
	while (len > 0 && is_ows(host[len - 1]))
		len--;
	if (len == 0 || host[0] == '[')
		return -1;		/* nothing, or an IPv6 literal */
	for (colon = 0; colon < len && host[colon] != ':'; colon++)
		;
	if (colon < len) {		/* a port: up to 5 digits (RFC 3986
					 * allows an empty one) */
		if (len - colon - 1 > 5)
			return -1;
		for (size_t i = colon + 1; i < len; i++)
			if (!isdigit((unsigned char)host[i]))
				return -1;
	}
	n = colon;
	r = norm_name(host, n, out);
	if (r <= 0 || norm_is_ip_literal(out, (size_t)r))
		return -1;
	return r;
}

#define LANG_RANGES 32

struct lang_range {
	char tag[STOP_LANG_MAX + 1];
	unsigned q;		/* 0..1000 */
};

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static bool
parse_qvalue(const char *s, size_t n, unsigned *q)
{
	unsigned v, scale = 100;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return false;
	v = (unsigned)(s[0] - '0') * 1000;
	if (n == 1)
		goto done;
	if (s[1] != '.' || n > 5)
		return false;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v += (unsigned)(s[i] - '0') * scale;
	}
done:
	if (v > 1000)
		return false;
	*q = v;
	return true;
}

static bool
lang_tag_ok(const char *s, size_t n)
{
	if (n == 0 || n > STOP_LANG_MAX)
		return false;
	if (n == 1 && s[0] == '*')
		return true;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return s[0] != '-' && s[n - 1] != '-';
}

/* One element "tag [; q=v] [; other]": false if it is to be ignored. */
static bool
parse_range(const char *s, size_t n, struct lang_range *r)
{
	size_t t = 0, i;

	while (t < n && s[t] != ';' && !is_ows(s[t]))
		t++;
	if (!lang_tag_ok(s, t))
		return false;
	str_ncopy(r->tag, sizeof(r->tag), s, t);
	r->q = 1000;
	for (i = t; i < n; ) {
		size_t p, e;

		while (i < n && (is_ows(s[i]) || s[i] == ';'))
			i++;
		for (e = i; e < n && s[e] != ';'; e++)
			;
		p = e;
		while (p > i && is_ows(s[p - 1]))
			p--;
		if (p - i >= 2 && (s[i] == 'q' || s[i] == 'Q') && s[i + 1] == '=' &&
		    !parse_qvalue(s + i + 2, p - i - 2, &r->q))
			return false;
		i = e;
	}
	return true;
}

static unsigned
parse_accept(const char *a, struct lang_range *rs)
{
	unsigned n = 0;
	size_t len = strnlen(a, 4096), i = 0;

	while (i < len && n < LANG_RANGES) {
		size_t e = i, s, t;

		while (e < len && a[e] != ',')
			e++;
		for (s = i; s < e && is_ows(a[s]); s++)
			;
		for (t = e; t > s && is_ows(a[t - 1]); t--)
			;
		if (t > s && parse_range(a + s, t - s, &rs[n]) && rs[n].q > 0)
			n++;
		i = e + 1;
	}
	/* stable sort by q, highest first (insertion sort, n <= 32) */
	for (unsigned k = 1; k < n; k++) {
		struct lang_range x = rs[k];
		unsigned j = k;

		for (; j > 0 && rs[j - 1].q < x.q; j--)
			rs[j] = rs[j - 1];
		rs[j] = x;
	}
	return n;
}

/* A candidate for range r (already truncated to rl bytes): equal, or the
 * candidate is r followed by more subtags. */
static int
lang_find(const char *r, size_t rl, const char *const *cands, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (strlen(cands[i]) == rl && strncasecmp(cands[i], r, rl) == 0)
			return (int)i;
	for (unsigned i = 0; i < n; i++)
		if (strncasecmp(cands[i], r, rl) == 0 && cands[i][rl] == '-')
			return (int)i;
	return -1;
}

int
stop_lang_pick(const char *accept, const char *const *cands, unsigned n)
{
	struct lang_range rs[LANG_RANGES];
	unsigned nr;

	if (accept == NULL || n == 0)
		return -1;
	nr = parse_accept(accept, rs);
	for (unsigned k = 0; k < nr; k++) {
		size_t rl = strlen(rs[k].tag);

		if (strcmp(rs[k].tag, "*") == 0)
			continue;	/* "any": the caller's default */
		/* RFC 4647 3.4 lookup: drop subtags from the end (and a
		 * single-letter subtag left dangling) until a candidate fits */
		while (rl > 0) {
			int i = lang_find(rs[k].tag, rl, cands, n);

			if (i >= 0)
				return i;
			while (rl > 0 && rs[k].tag[rl - 1] != '-')
				rl--;
			if (rl > 0)
				rl--;
			if (rl >= 2 && rs[k].tag[rl - 2] == '-')
				rl -= 2;
		}
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The page's own sentences. %A is the authority, %O the operator (both
 * escaped and set in <strong>). Languages the list provides but this table
 * lacks get the English sentences around the list's own texts. */

enum tkey {
	T_TITLE, T_HEADING, T_INTRO, T_CATEGORY, T_AUTHORITY, T_LEGAL_BASIS,
	T_REFERENCE, T_DECISION, T_DECISION_NOOP, T_APPEAL_HEADING, T_APPEAL,
	T_APPEAL_LINK, T_PROVIDER_HEADING, T_CONTACT, T_NOT_RECORDED, T_CANARY,
	T_NEUTRAL_HEADING, T_NEUTRAL, T_NEUTRAL_NOOP, T_COUNT
};

struct page_lang {
	const char *tag;
	const char *t[T_COUNT];
};

static const struct page_lang page_langs[] = {
	{"en", {
	[T_TITLE] = "Access blocked",
	[T_HEADING] = "This website has been blocked",
	[T_INTRO] = "The address you tried to visit is on a blocklist, so your "
	    "provider does not connect you to it.",
	[T_CATEGORY] = "Category",
	[T_AUTHORITY] = "Decided by",
	[T_LEGAL_BASIS] = "Legal basis",
	[T_REFERENCE] = "Reference",
	[T_DECISION] = "This decision was made by %A, not by your provider %O.",
	[T_DECISION_NOOP] = "This decision was made by %A, not by your provider.",
	[T_APPEAL_HEADING] = "Think this is a mistake?",
	[T_APPEAL] = "Only %A can review this decision. You can ask them to "
	    "check it.",
	[T_APPEAL_LINK] = "Request a review",
	[T_PROVIDER_HEADING] = "Your provider",
	[T_CONTACT] = "Contact",
	[T_NOT_RECORDED] = "Your visit to this page was not recorded. No "
	    "address, name or other detail that could identify you was stored.",
	[T_CANARY] = "This address is a published test entry: seeing this page "
	    "shows that the filter works.",
	[T_NEUTRAL_HEADING] = "Filter notice page",
	[T_NEUTRAL] = "This is the notice page of the network filter operated "
	    "by %O. It has no information about the address you requested: an "
	    "old DNS answer or a bookmark may have brought you here. Please try "
	    "again in a few minutes.",
	[T_NEUTRAL_NOOP] = "This is the notice page of a network filter. It has "
	    "no information about the address you requested: an old DNS answer "
	    "or a bookmark may have brought you here. Please try again in a few "
	    "minutes.",
	}},
	{"nl", {
	[T_TITLE] = "Toegang geblokkeerd",
	[T_HEADING] = "Deze website is geblokkeerd",
	[T_INTRO] = "Het adres dat u probeerde te bezoeken staat op een "
	    "blokkeerlijst. Daarom verbindt uw provider u er niet mee.",
	[T_CATEGORY] = "Categorie",
	[T_AUTHORITY] = "Besloten door",
	[T_LEGAL_BASIS] = "Rechtsgrond",
	[T_REFERENCE] = "Referentie",
	[T_DECISION] = "Dit besluit is genomen door %A, niet door uw provider %O.",
	[T_DECISION_NOOP] = "Dit besluit is genomen door %A, niet door uw "
	    "provider.",
	[T_APPEAL_HEADING] = "Denkt u dat dit een vergissing is?",
	[T_APPEAL] = "Alleen %A kan dit besluit herzien. U kunt hun vragen het "
	    "te controleren.",
	[T_APPEAL_LINK] = "Vraag om herziening",
	[T_PROVIDER_HEADING] = "Uw provider",
	[T_CONTACT] = "Contact",
	[T_NOT_RECORDED] = "Uw bezoek aan deze pagina is niet vastgelegd. Er is "
	    "geen adres, naam of ander gegeven opgeslagen waarmee u herkend kunt "
	    "worden.",
	[T_CANARY] = "Dit adres is een gepubliceerde testvermelding: deze pagina "
	    "laat zien dat het filter werkt.",
	[T_NEUTRAL_HEADING] = "Meldingspagina van het filter",
	[T_NEUTRAL] = "Dit is de meldingspagina van het netwerkfilter van %O. "
	    "Er is geen informatie over het adres dat u opvroeg: misschien "
	    "bracht een oud DNS-antwoord of een bladwijzer u hier. Probeer het "
	    "over een paar minuten opnieuw.",
	[T_NEUTRAL_NOOP] = "Dit is de meldingspagina van een netwerkfilter. Er "
	    "is geen informatie over het adres dat u opvroeg: misschien bracht "
	    "een oud DNS-antwoord of een bladwijzer u hier. Probeer het over een "
	    "paar minuten opnieuw.",
	}},
	{"de", {
	[T_TITLE] = "Zugriff gesperrt",
	[T_HEADING] = "Diese Website wurde gesperrt",
	[T_INTRO] = "Die Adresse, die Sie aufrufen wollten, steht auf einer "
	    "Sperrliste. Deshalb verbindet Ihr Anbieter Sie nicht mit ihr.",
	[T_CATEGORY] = "Kategorie",
	[T_AUTHORITY] = "Entschieden von",
	[T_LEGAL_BASIS] = "Rechtsgrundlage",
	[T_REFERENCE] = "Referenz",
	[T_DECISION] = "Diese Entscheidung hat %A getroffen, nicht Ihr Anbieter "
	    "%O.",
	[T_DECISION_NOOP] = "Diese Entscheidung hat %A getroffen, nicht Ihr "
	    "Anbieter.",
	[T_APPEAL_HEADING] = "Halten Sie das für einen Fehler?",
	[T_APPEAL] = "Nur %A kann diese Entscheidung überprüfen. Sie können dort "
	    "eine Überprüfung beantragen.",
	[T_APPEAL_LINK] = "Überprüfung beantragen",
	[T_PROVIDER_HEADING] = "Ihr Anbieter",
	[T_CONTACT] = "Kontakt",
	[T_NOT_RECORDED] = "Ihr Besuch dieser Seite wurde nicht aufgezeichnet. "
	    "Es wurden keine Adresse, kein Name und keine anderen Angaben "
	    "gespeichert, die Sie identifizieren könnten.",
	[T_CANARY] = "Diese Adresse ist ein veröffentlichter Testeintrag: Diese "
	    "Seite zeigt, dass der Filter funktioniert.",
	[T_NEUTRAL_HEADING] = "Hinweisseite des Filters",
	[T_NEUTRAL] = "Dies ist die Hinweisseite des Netzfilters von %O. Zu der "
	    "aufgerufenen Adresse liegen hier keine Informationen vor: "
	    "Vielleicht hat Sie eine veraltete DNS-Antwort oder ein Lesezeichen "
	    "hierher geführt. Versuchen Sie es in einigen Minuten erneut.",
	[T_NEUTRAL_NOOP] = "Dies ist die Hinweisseite eines Netzfilters. Zu der "
	    "aufgerufenen Adresse liegen hier keine Informationen vor: "
	    "Vielleicht hat Sie eine veraltete DNS-Antwort oder ein Lesezeichen "
	    "hierher geführt. Versuchen Sie es in einigen Minuten erneut.",
	}},
	{"fr", {
	[T_TITLE] = "Accès bloqué",
	[T_HEADING] = "Ce site a été bloqué",
	[T_INTRO] = "L'adresse que vous avez tenté de consulter figure sur une "
	    "liste de blocage : votre fournisseur ne vous y connecte donc pas.",
	[T_CATEGORY] = "Catégorie",
	[T_AUTHORITY] = "Décision de",
	[T_LEGAL_BASIS] = "Base légale",
	[T_REFERENCE] = "Référence",
	[T_DECISION] = "Cette décision a été prise par %A, et non par votre "
	    "fournisseur %O.",
	[T_DECISION_NOOP] = "Cette décision a été prise par %A, et non par "
	    "votre fournisseur.",
	[T_APPEAL_HEADING] = "Vous pensez qu'il s'agit d'une erreur ?",
	[T_APPEAL] = "Seul %A peut réexaminer cette décision. Vous pouvez lui "
	    "demander de la vérifier.",
	[T_APPEAL_LINK] = "Demander un réexamen",
	[T_PROVIDER_HEADING] = "Votre fournisseur",
	[T_CONTACT] = "Contact",
	[T_NOT_RECORDED] = "Votre visite de cette page n'a pas été enregistrée. "
	    "Aucune adresse, aucun nom ni aucune autre donnée permettant de vous "
	    "identifier n'a été conservé.",
	[T_CANARY] = "Cette adresse est une entrée de test publiée : voir cette "
	    "page montre que le filtre fonctionne.",
	[T_NEUTRAL_HEADING] = "Page d'information du filtre",
	[T_NEUTRAL] = "Ceci est la page d'information du filtre réseau de %O. "
	    "Elle ne dispose d'aucune information sur l'adresse demandée : une "
	    "ancienne réponse DNS ou un favori vous a peut-être conduit ici. "
	    "Réessayez dans quelques minutes.",
	[T_NEUTRAL_NOOP] = "Ceci est la page d'information d'un filtre réseau. "
	    "Elle ne dispose d'aucune information sur l'adresse demandée : une "
	    "ancienne réponse DNS ou un favori vous a peut-être conduit ici. "
	    "Réessayez dans quelques minutes.",
	}},
};

static const struct page_lang *
page_lang_find(const char *tag)
{
	size_t primary = strcspn(tag, "-");

	for (size_t i = 0; i < ARRAY_LEN(page_langs); i++)
		if (strcasecmp(page_langs[i].tag, tag) == 0)
			return &page_langs[i];
	for (size_t i = 0; i < ARRAY_LEN(page_langs); i++)
		if (strlen(page_langs[i].tag) == primary &&
		    strncasecmp(page_langs[i].tag, tag, primary) == 0)
			return &page_langs[i];
	return &page_langs[0];
}

/* ------------------------------------------------------------------ */
/* Template: parsed once into a list of operations. */

enum var {
	V_LANG, V_STATUS, V_MATCHED, V_CANARY, V_AUTHORITY, V_AUTHORITY_URL,
	V_CATEGORY, V_CATEGORY_ID, V_LEGAL_BASIS, V_APPEAL_URL, V_REFERENCE,
	V_FEED, V_OPERATOR, V_OPERATOR_URL, V_OPERATOR_CONTACT,
	V_OPERATOR_CONTACT_URL,
	V_PLAIN_COUNT,
	V_T_FIRST = V_PLAIN_COUNT,	/* then one per enum tkey */
	V_COUNT = V_T_FIRST + T_COUNT
};

static const char *const var_names[V_PLAIN_COUNT] = {
	[V_LANG] = "lang", [V_STATUS] = "status", [V_MATCHED] = "matched",
	[V_CANARY] = "canary", [V_AUTHORITY] = "authority",
	[V_AUTHORITY_URL] = "authority_url", [V_CATEGORY] = "category",
	[V_CATEGORY_ID] = "category_id", [V_LEGAL_BASIS] = "legal_basis",
	[V_APPEAL_URL] = "appeal_url", [V_REFERENCE] = "reference",
	[V_FEED] = "feed", [V_OPERATOR] = "operator",
	[V_OPERATOR_URL] = "operator_url",
	[V_OPERATOR_CONTACT] = "operator_contact",
	[V_OPERATOR_CONTACT_URL] = "operator_contact_url",
};

/* The sentences as the template names them: {{t.NAME}}. t.decision and
 * t.neutral pick their variant without an operator name themselves. */
static const char *const tkey_names[T_COUNT] = {
	[T_TITLE] = "title", [T_HEADING] = "heading", [T_INTRO] = "intro",
	[T_CATEGORY] = "category", [T_AUTHORITY] = "authority",
	[T_LEGAL_BASIS] = "legal_basis", [T_REFERENCE] = "reference",
	[T_DECISION] = "decision", [T_DECISION_NOOP] = NULL,
	[T_APPEAL_HEADING] = "appeal_heading", [T_APPEAL] = "appeal",
	[T_APPEAL_LINK] = "appeal_link",
	[T_PROVIDER_HEADING] = "provider_heading", [T_CONTACT] = "contact",
	[T_NOT_RECORDED] = "not_recorded", [T_CANARY] = "canary",
	[T_NEUTRAL_HEADING] = "neutral_heading", [T_NEUTRAL] = "neutral",
	[T_NEUTRAL_NOOP] = NULL,
};

enum opkind { OP_TEXT, OP_VAR, OP_IF, OP_IFNOT, OP_END };

struct op {
	uint8_t kind;
	uint16_t var;
	uint32_t off, len;	/* OP_TEXT: bytes of the template; else
				 * off is where the tag starts */
	uint32_t end;		/* OP_IF / OP_IFNOT: index of its OP_END */
};

struct stop_tmpl {
	char *text;
	size_t textlen;
	struct op *ops;
	size_t nops;
};

#define TMPL_DEPTH 16
#define TMPL_NAME_MAX 64

static int
var_find(const char *name, size_t n)
{
	for (int i = 0; i < V_PLAIN_COUNT; i++)
		if (strlen(var_names[i]) == n && memcmp(var_names[i], name, n) == 0)
			return i;
	if (n > 2 && memcmp(name, "t.", 2) == 0)
		for (int i = 0; i < T_COUNT; i++)
			if (tkey_names[i] != NULL &&
			    strlen(tkey_names[i]) == n - 2 &&
			    memcmp(tkey_names[i], name + 2, n - 2) == 0)
				return V_T_FIRST + i;
	return -1;
}

static unsigned
line_of(const char *text, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

static struct op *
op_push(struct stop_tmpl *t, size_t *cap)
{
	if (t->nops == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		t->ops = xrealloc(t->ops, *cap * sizeof(*t->ops));
	}
	memset(&t->ops[t->nops], 0, sizeof(*t->ops));
	return &t->ops[t->nops++];
}

/* One {{...}} tag: name is the inside, trimmed. */
static bool
tmpl_tag(struct stop_tmpl *t, size_t *cap, const char *name, size_t n,
    size_t at, uint32_t *stack, unsigned *depth, struct verr *e)
{
	char q[TMPL_NAME_MAX * 4 + 1];
	char kind = n > 0 ? name[0] : '\0';
	int v;
	struct op *o;

	if (kind == '#' || kind == '^' || kind == '/') {
		name++;
		n--;
	}
	while (n > 0 && is_ows(*name)) {
		name++;
		n--;
	}
	v = var_find(name, n);
	str_quote(q, sizeof(q), name, MIN(n, TMPL_NAME_MAX));
	if (v < 0) {
		verr_set(e, "line %u: unknown placeholder {{%s}}",
		    line_of(t->text, at), q);
		return false;
	}
	if (kind == '/') {
		if (*depth == 0 || t->ops[stack[*depth - 1]].var != v) {
			verr_set(e, "line %u: {{/%s}} closes no open section",
			    line_of(t->text, at), q);
			return false;
		}
		t->ops[stack[--*depth]].end = (uint32_t)t->nops;
	} else if (kind == '#' || kind == '^') {
		if (*depth == TMPL_DEPTH) {
			verr_set(e, "line %u: sections nested deeper than %d",
			    line_of(t->text, at), TMPL_DEPTH);
			return false;
		}
		stack[(*depth)++] = (uint32_t)t->nops;
	}
	o = op_push(t, cap);
	o->kind = kind == '#' ? OP_IF : kind == '^' ? OP_IFNOT :
	    kind == '/' ? OP_END : OP_VAR;
	o->var = (uint16_t)v;
	o->off = (uint32_t)at;
	return true;
}

static void
tmpl_text(struct stop_tmpl *t, size_t *cap, size_t off, size_t len)
{
	struct op *o;

	if (len == 0)
		return;
	o = op_push(t, cap);
	o->kind = OP_TEXT;
	o->off = (uint32_t)off;
	o->len = (uint32_t)len;
}

static bool
tmpl_compile(struct stop_tmpl *t, struct verr *e)
{
	uint32_t stack[TMPL_DEPTH];
	unsigned depth = 0;
	size_t cap = 0, i = 0;
	const char *s = t->text;

	while (i < t->textlen) {
		const char *open = memmem(s + i, t->textlen - i, "{{", 2);
		const char *close;
		size_t at, inner, n;

		if (open == NULL) {
			tmpl_text(t, &cap, i, t->textlen - i);
			break;
		}
		at = (size_t)(open - s);
		tmpl_text(t, &cap, i, at - i);
		inner = at + 2;
		close = memmem(s + inner, t->textlen - inner, "}}", 2);
		if (close != NULL && s[inner] == '!') {	/* a comment */
			i = (size_t)(close - s) + 2;
			continue;
		}
		if (close == NULL || (size_t)(close - s) - inner > TMPL_NAME_MAX) {
			verr_set(e, "line %u: {{ without a closing }}",
			    line_of(s, at));
			return false;
		}
		n = (size_t)(close - s) - inner;
		while (n > 0 && is_ows(s[inner + n - 1]))
			n--;
		while (n > 0 && is_ows(s[inner])) {
			inner++;
			n--;
		}
		if (!tmpl_tag(t, &cap, s + inner, n, at, stack, &depth, e))
			return false;
		i = (size_t)(close - s) + 2;
	}
	if (depth > 0) {
		const struct op *o = &t->ops[stack[depth - 1]];

		verr_set(e, "line %u: section {{%c%s%s}} is never closed",
		    line_of(s, o->off), o->kind == OP_IF ? '#' : '^',
		    o->var < V_T_FIRST ? "" : "t.", o->var < V_T_FIRST ?
		    var_names[o->var] : tkey_names[o->var - V_T_FIRST]);
		return false;
	}
	return true;
}

struct stop_tmpl *
stop_tmpl_parse(const char *text, size_t len, struct verr *e)
{
	struct stop_tmpl *t;

	if (len > STOP_TMPL_MAX) {
		verr_set(e, "template is %zu bytes, more than %d", len,
		    STOP_TMPL_MAX);
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		verr_set(e, "template holds a NUL byte");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->text = xcalloc(1, len + 1);
	memcpy(t->text, text, len);
	t->textlen = len;
	if (!tmpl_compile(t, e)) {
		stop_tmpl_free(t);
		return NULL;
	}
	return t;
}

struct stop_tmpl *
stop_tmpl_load(const char *path, struct verr *e)
{
	uint8_t *buf;
	size_t len;
	struct stop_tmpl *t;
	const char *text;

	if (path == NULL || *path == '\0' || strcmp(path, STOP_TMPL_DEFAULT) == 0) {
		/* the default: the file beside us if it is there (a checkout),
		 * else the installed copy, else the one built in */
		if (file_read(STOP_TMPL_DEFAULT, STOP_TMPL_MAX, &buf, &len, NULL) < 0 &&
		    file_read(VETO_DATADIR "/stoppage.html", STOP_TMPL_MAX, &buf,
		    &len, NULL) < 0) {
			text = stop_builtin(&len);
			return stop_tmpl_parse(text, len, e);
		}
		path = STOP_TMPL_DEFAULT;
	} else if (file_read(path, STOP_TMPL_MAX, &buf, &len, e) < 0) {
		verr_prefix(e, "stop page template %s", path);
		return NULL;
	}
	t = stop_tmpl_parse((const char *)buf, len, e);
	free(buf);
	if (t == NULL)
		verr_prefix(e, "stop page template %s", path);
	return t;
}

void
stop_tmpl_free(struct stop_tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->ops);
	free(t);
}

/* ------------------------------------------------------------------ */
/* Rendering. */

struct view {
	const char *val[V_PLAIN_COUNT];	/* "" when absent */
	const struct page_lang *pl;
	char status[8];
	char contact_url[512];
};

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* operator_contact as a link: an http(s) URL as is, an e-mail address as
 * mailto:, anything else (a phone number, a postal address) not at all. */
static void
contact_link(const char *c, char *out, size_t cap)
{
	out[0] = '\0';
	if (c == NULL)
		return;
	if (web_url(c) != NULL) {
		str_copy(out, c, cap);
	} else if (strchr(c, '@') != NULL && strpbrk(c, " \t:/<>\"") == NULL &&
	    strchr(c, '@') == strrchr(c, '@') && c[0] != '@') {
		snprintf(out, cap, "mailto:%s", c);
	}
}

static void
view_fill(struct view *v, const struct conf *c, const struct stop_subject *s,
    const char *lang)
{
	const struct list *l = s->list;

	for (int i = 0; i < V_PLAIN_COUNT; i++)
		v->val[i] = "";
	v->pl = page_lang_find(lang);
	snprintf(v->status, sizeof(v->status), "%u",
	    (unsigned)c->stop_page_status);
	v->val[V_LANG] = lang;
	v->val[V_STATUS] = v->status;
	v->val[V_OPERATOR] = nz(c->operator_name);
	v->val[V_OPERATOR_URL] = nz(web_url(c->operator_url));
	v->val[V_OPERATOR_CONTACT] = nz(c->operator_contact);
	contact_link(c->operator_contact, v->contact_url, sizeof(v->contact_url));
	v->val[V_OPERATOR_CONTACT_URL] = v->contact_url;
	if (l == NULL || s->cat >= l->ncats)
		return;
	v->val[V_MATCHED] = "yes";
	v->val[V_CANARY] = l->cats[s->cat].canary ? "yes" : "";
	v->val[V_AUTHORITY] = list_text_get(&l->authority_name, lang);
	if (*v->val[V_AUTHORITY] == '\0')
		v->val[V_AUTHORITY] = nz(l->feed);
	v->val[V_AUTHORITY_URL] = nz(web_url(l->authority_url));
	v->val[V_CATEGORY] = list_text_get(&l->cats[s->cat].label, lang);
	if (*v->val[V_CATEGORY] == '\0')
		v->val[V_CATEGORY] = nz(l->cats[s->cat].id);
	v->val[V_CATEGORY_ID] = nz(l->cats[s->cat].id);
	v->val[V_LEGAL_BASIS] = list_text_get(&l->legal_basis, lang);
	v->val[V_APPEAL_URL] = nz(web_url(l->appeal_url));
	v->val[V_REFERENCE] = nz(s->entry_id);
	v->val[V_FEED] = nz(l->feed);
}

/* A sentence: %A and %O become the escaped names in <strong>. */
static void
render_sentence(struct obuf *b, const struct view *v, const char *s)
{
	const char *p;

	while ((p = strchr(s, '%')) != NULL && (p[1] == 'A' || p[1] == 'O')) {
		ob_esc(b, s, (size_t)(p - s));
		ob_str(b, "<strong>");
		ob_esc_str(b, v->val[p[1] == 'A' ? V_AUTHORITY : V_OPERATOR]);
		ob_str(b, "</strong>");
		s = p + 2;
	}
	ob_esc_str(b, s);
}

static void
render_var(struct obuf *b, const struct view *v, unsigned var)
{
	enum tkey k;

	if (var < V_PLAIN_COUNT) {
		ob_esc_str(b, v->val[var]);
		return;
	}
	k = (enum tkey)(var - V_T_FIRST);
	if (k == T_DECISION && *v->val[V_OPERATOR] == '\0')
		k = T_DECISION_NOOP;
	if (k == T_NEUTRAL && *v->val[V_OPERATOR] == '\0')
		k = T_NEUTRAL_NOOP;
	render_sentence(b, v, v->pl->t[k]);
}

static bool
var_true(const struct view *v, unsigned var)
{
	return var >= V_PLAIN_COUNT || *v->val[var] != '\0';
}

static void
render(struct obuf *b, const struct stop_tmpl *t, const struct view *v)
{
	for (size_t i = 0; i < t->nops && !b->over; i++) {
		const struct op *o = &t->ops[i];

		switch (o->kind) {
		case OP_TEXT:
			ob_add(b, t->text + o->off, o->len);
			break;
		case OP_VAR:
			render_var(b, v, o->var);
			break;
		case OP_IF:
		case OP_IFNOT:
			if (var_true(v, o->var) != (o->kind == OP_IF))
				i = o->end;	/* skip to the OP_END */
			break;
		default:
			break;
		}
	}
}

#define LANG_CANDS 16

static void
cands_add(const struct list_text *t, const char **c, unsigned *n)
{
	for (unsigned i = 0; i < t->n && *n < LANG_CANDS; i++) {
		const char *tag = t->items[i].lang;
		bool dup = false;

		if (tag == NULL || !lang_tag_ok(tag, strlen(tag)) ||
		    strcmp(tag, "*") == 0)
			continue;
		for (unsigned k = 0; k < *n && !dup; k++)
			dup = strcasecmp(c[k], tag) == 0;
		if (!dup)
			c[(*n)++] = tag;
	}
}

/* The languages to choose from: those the list gives for the texts on the
 * page; the page's own table when it gives none (or for a neutral page). */
static unsigned
lang_candidates(const struct stop_subject *s, const char **c)
{
	unsigned n = 0;

	if (s->list != NULL && s->cat < s->list->ncats) {
		cands_add(&s->list->cats[s->cat].label, c, &n);
		cands_add(&s->list->authority_name, c, &n);
		cands_add(&s->list->legal_basis, c, &n);
	}
	if (n == 0)
		for (size_t i = 0; i < ARRAY_LEN(page_langs); i++)
			c[n++] = page_langs[i].tag;
	return n;
}

char *
stop_page(const struct stop_tmpl *t, const struct conf *c,
    const struct stop_subject *s, const char *accept_language, size_t *len,
    char lang_out[STOP_LANG_MAX + 1])
{
	const char *cands[LANG_CANDS];
	unsigned n = lang_candidates(s, cands);
	int pick = stop_lang_pick(accept_language, cands, n);
	const char *lang = pick >= 0 ? cands[pick] : "en";
	struct view v;
	struct obuf b;

	view_fill(&v, c, s, lang);
	ob_growing(&b, STOP_PAGE_MAX);
	render(&b, t, &v);
	if (b.over || !ob_room(&b, 1)) {
		free(b.p);
		return NULL;
	}
	b.p[b.len] = '\0';
	*len = b.len;
	if (lang_out != NULL)
		str_copy(lang_out, lang, STOP_LANG_MAX + 1);
	return b.p;
}
