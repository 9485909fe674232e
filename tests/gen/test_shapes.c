/*
 * The generated code of a second schema (tests/gen/schemas/plain.strata,
 * generated with --prefix plain_): no uuid, no owner, a self-reference, a
 * composite key, decimal, bytes and date columns, and a default string
 * that holds trigraphs, quotes, a backslash and UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plain_db.h"
#include "testdb.h"

static void apply_plain(strata_db *db)
{
	strata_schema *s = NULL;
	ST_OK(strata_schema_load(&s, STRATA_SOURCE_DIR "/tests/gen/schemas/plain.strata"));
	ST_OK(strata_schema_apply(db, s));
	strata_schema_free(s);
}

/* A product `sku` in a new category `category`, inserted: *p holds it with its defaults. */
static void insert_product(strata_db *db, const char *category, const char *sku, plain_product *p)
{
	plain_category cat = { 0 };
	cat.name = category;
	ST_OK(plain_category_insert(db, &cat));
	memset(p, 0, sizeof *p);
	p->category_id = cat.id;
	p->sku = sku;
	ST_OK(plain_product_insert(db, p));
}

DB_TEST(gen, string_defaults_keep_every_byte)
{
	apply_plain(db);
	ST_OK(plain_schema_check(db));
	plain_product p;
	insert_product(db, "tools", "T-1", &p);
	/* compiled with -std=c11, where ??/ ??= ??( are trigraphs unless escaped */
	const char *want = "a ?\?/ trigraph ?\?= ?\?( \xc3\xbc, a \"quote\", a \\ backslash ?\?";
	cr_assert_str_eq(p.notes, want);
	plain_product *got = NULL;
	ST_OK(plain_product_get(db, p.id, &got));
	cr_assert_str_eq(got->notes, want, "stored: %s", got->notes);
	cr_assert_str_eq(got->price, backend == STRATA_BACKEND_POSTGRES ? "0.00" : "0");
	plain_product_free(got);
	(void)url;
}

DB_TEST(gen, composite_keys_and_self_references)
{
	apply_plain(db);
	plain_category root = { 0 }, leaf = { 0 };
	root.name = "root";
	ST_OK(plain_category_insert(db, &root));
	leaf.name = "leaf";
	leaf.parent_id = (plain_category_id_opt)STRATA_SOME(root.id);
	ST_OK(plain_category_insert(db, &leaf));
	plain_product a = { 0 }, b = { 0 };
	a.category_id = b.category_id = leaf.id;
	a.sku = "A";
	b.sku = "B";
	const uint8_t pic[] = { 0, 1, 2, 255 };
	a.picture = (strata_opt_bytes)STRATA_SOME(((strata_bytes){ pic, sizeof pic }));
	a.released = "2026-01-31";
	ST_OK(plain_product_insert(db, &a));
	ST_OK(plain_product_insert(db, &b));

	plain_product_pair pair = { 0 };
	pair.a_id = a.id;
	pair.b_id = b.id;
	pair.score = (strata_opt_int32)STRATA_SOME(7);
	ST_OK(plain_product_pair_insert(db, &pair));
	plain_product_pair *got = NULL;
	ST_OK(plain_product_pair_get(db, a.id, b.id, &got));
	cr_assert_eq(got->score.v, 7);
	plain_product_pair_free(got);
	plain_product_pair v = { 0 };
	v.score = (strata_opt_int32)STRATA_SOME(9);
	ST_OK(plain_product_pair_update(db, a.id, b.id, &v, PLAIN_PRODUCT_PAIR_SCORE));
	ST_EXPECT(plain_product_pair_get(db, b.id, a.id, &got), STRATA_ENOTFOUND);
	ST_OK(plain_product_pair_delete(db, a.id, b.id));
	ST_EXPECT(plain_product_pair_delete(db, a.id, b.id), STRATA_ENOTFOUND);

	plain_product *pa = NULL;
	ST_OK(plain_product_get(db, a.id, &pa));
	cr_assert(pa->picture.has && pa->picture.v.len == sizeof pic &&
		  memcmp(pa->picture.v.data, pic, sizeof pic) == 0);
	cr_assert_str_eq(pa->released, "2026-01-31");
	plain_product_free(pa);

	plain_category_page page;
	ST_OK(plain_category_list(db, NULL, &page));
	cr_assert_eq(page.n, 2);
	ST_OK(plain_category_load_parent(db, &page));
	ST_OK(plain_category_load_products(db, &page));
	for (size_t i = 0; i < page.n; i++) {
		const plain_category *c = &page.items[i];
		if (strcmp(c->name, "leaf") == 0) {
			cr_assert_not_null(c->parent);
			cr_assert_str_eq(c->parent->name, "root");
			cr_assert_eq(c->nproducts, 2);
		} else {
			cr_assert_null(c->parent);
			cr_assert_eq(c->nproducts, 0);
		}
	}
	plain_category_page_free(&page);
	(void)url;
	(void)backend;
}

DB_TEST(gen, insert_many_of_decimals_dates_bytes_and_database_defaults)
{
	apply_plain(db);
	/* categories have a default the database computes (added: CURRENT_DATE): batches of INSERT ... SELECT */
	plain_category cats[6];
	char names[6][8];
	for (int i = 0; i < 6; i++) {
		cats[i] = (plain_category){ 0 };
		snprintf(names[i], sizeof names[i], "c%d", i);
		cats[i].name = names[i];
	}
	cats[5].added = "2001-02-03";
	ST_OK(plain_category_insert_many(db, cats, 6));
	for (int i = 1; i < 6; i++)
		cr_assert_gt(cats[i].id.v, cats[i - 1].id.v);
	plain_category *c = NULL;
	ST_OK(plain_category_get(db, cats[5].id, &c));
	cr_assert_str_eq(c->added, "2001-02-03");
	cr_assert_eq(c->weight.v, 1.5);
	plain_category_free(c);
	ST_OK(plain_category_get(db, cats[0].id, &c));
	cr_assert_eq(strlen(c->added), 10, "today: %s", c->added);
	plain_category_free(c);

	/* products: decimal, date and bytes through strata_copy */
	enum {
		N = 10
	};
	plain_product ps[N];
	char skus[N][8];
	const uint8_t pic[] = { 1, 0, 255 };
	for (int i = 0; i < N; i++) {
		ps[i] = (plain_product){ 0 };
		snprintf(skus[i], sizeof skus[i], "S%d", i);
		ps[i].sku = skus[i];
		ps[i].category_id = cats[i % 6].id;
	}
	ps[1].price = "12.5";
	ps[2].released = "2024-02-29";
	ps[3].picture = (strata_opt_bytes)STRATA_SOME(((strata_bytes){ pic, sizeof pic }));
	ST_OK(plain_product_insert_many(db, ps, N));
	plain_product *p = NULL;
	ST_OK(plain_product_get(db, ps[1].id, &p));
	cr_assert_str_eq(p->price, backend == STRATA_BACKEND_POSTGRES ? "12.50" : "12.5");
	plain_product_free(p);
	ST_OK(plain_product_get(db, ps[2].id, &p));
	cr_assert_str_eq(p->released, "2024-02-29");
	plain_product_free(p);
	ST_OK(plain_product_get(db, ps[3].id, &p));
	cr_assert(p->picture.has && p->picture.v.len == 3 && memcmp(p->picture.v.data, pic, 3) == 0);
	plain_product_free(p);
	/* a price that is not a number is refused, and nothing of the call is kept */
	char fresh[N][8];
	for (int i = 0; i < N; i++) {
		snprintf(fresh[i], sizeof fresh[i], "T%d", i);
		ps[i].sku = fresh[i];
	}
	ps[4].price = "abc";
	if (backend == STRATA_BACKEND_SQLITE)
		return; /* SQLite's decimal CHECK comes with the decimal work (issue 17) */
	int64_t before, after;
	ST_OK(strata_query_int64(db, &before, "SELECT count(*) FROM products", NULL, 0));
	int rc = plain_product_insert_many(db, ps, N);
	cr_assert(rc == STRATA_EINVAL || rc == STRATA_ESQL, "%s", strata_error_last()->message);
	cr_assert(strstr(strata_error_last()->message, "numeric") || strstr(strata_error_last()->message, "CHECK") ||
			  strstr(strata_error_last()->message, "price"),
		  "%s", strata_error_last()->message);
	ST_OK(strata_query_int64(db, &after, "SELECT count(*) FROM products", NULL, 0));
	cr_assert_eq(after, before);
	(void)url;
}

/* A materialized view's generated refresh function fills it from its query. */
DB_TEST(gen, materialized_view_refresh_function)
{
	apply_plain(db);
	plain_category cat = { 0 };
	cat.name = "tools";
	ST_OK(plain_category_insert(db, &cat));
	for (int i = 0; i < 3; i++) {
		plain_product p = { 0 };
		char sku[16];
		snprintf(sku, sizeof sku, "S-%d", i);
		p.category_id = cat.id;
		p.sku = sku;
		ST_OK(plain_product_insert(db, &p));
	}
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM category_stats", NULL, 0));
	cr_assert_eq(n, 0, "filled when made, before the rows: %lld", (long long)n);
	strata_matview_refresh_result r;
	ST_OK(plain_category_stats_refresh(db, &r));
	ST_OK(strata_query_int64(db, &n, "SELECT products FROM category_stats", NULL, 0));
	cr_assert_eq(n, 3);
	if (backend == STRATA_BACKEND_POSTGRES)
		cr_assert(r.concurrently, "a plain unique index allows CONCURRENTLY");
	else
		cr_assert_eq(r.rows, 1);
	ST_OK(plain_category_stats_refresh(db, NULL));
	(void)url;
}

/*
 * Views that declare their columns get typed reads: a materialized view
 * read after a refresh (get by its unique index, list, count) and a view
 * listed page by page, each column in its C type.
 */
DB_TEST(gen, view_and_materialized_view_typed_reads)
{
	apply_plain(db);
	plain_category cat = { 0 };
	cat.name = "tools";
	cat.weight = (strata_opt_double)STRATA_SOME(2.5);
	ST_OK(plain_category_insert(db, &cat));
	const strata_timestamp at = 1767225600000000; /* 2026-01-01T00:00:00Z */
	const char *prices[] = { "1.25", "2.50", "3.00" };
	for (int i = 0; i < 3; i++) {
		plain_product p = { 0 };
		char sku[16];
		snprintf(sku, sizeof sku, "S-%d", i);
		p.category_id = cat.id;
		p.sku = sku;
		p.price = prices[i];
		p.checked_at = (strata_opt_timestamp)STRATA_SOME(at + i * 1000000);
		ST_OK(plain_product_insert(db, &p));
	}
	plain_category_stat_page sp;
	ST_OK(plain_category_stat_list(db, NULL, &sp));
	cr_assert_eq(sp.n, 0, "a materialized view is empty until refreshed");
	plain_category_stat_page_free(&sp);
	ST_OK(plain_category_stats_refresh(db, NULL));

	plain_category_stat *st = NULL;
	ST_OK(plain_category_stat_get(db, cat.id.v, &st));
	cr_assert_eq(st->category_id, cat.id.v);
	cr_assert_eq(st->products, 3);
	cr_assert_str_eq(st->total, "6.75");
	cr_assert(st->mean_weight.has);
	cr_assert_float_eq(st->mean_weight.v, 2.5, 1e-9);
	cr_assert(st->last_checked.has);
	cr_assert_eq(st->last_checked.v, at + 2000000, "%lld", (long long)st->last_checked.v);
	plain_category_stat_free(st);
	cr_assert_eq(plain_category_stat_get(db, cat.id.v + 100, &st), STRATA_ENOTFOUND);
	cr_assert_null(st);
	int64_t n = -1;
	ST_OK(plain_category_stat_count(db, NULL, &n));
	cr_assert_eq(n, 1);
	char *json = NULL;
	ST_OK(plain_category_stat_list(db, NULL, &sp));
	cr_assert_eq(sp.n, 1);
	ST_OK(plain_category_stat_page_to_json(&sp, &json));
	cr_assert(strstr(json, "\"products\":3"), "%s", json);
	free(json);
	plain_category_stat_page_free(&sp);

	/* the plain view: two pages of two rows, ordered by every column (sku first) */
	plain_product_line_query q = { 0 };
	q.limit = 2;
	plain_product_line_page pl;
	ST_OK(plain_product_line_list(db, &q, &pl));
	cr_assert_eq(pl.n, 2);
	cr_assert(pl.has_more);
	cr_assert_str_eq(pl.items[0].sku, "S-0");
	cr_assert_str_eq(pl.items[0].category, "tools");
	cr_assert_str_eq(pl.items[1].price, "2.50");
	cr_assert(pl.items[1].checked_at.has);
	cr_assert_eq(pl.items[1].checked_at.v, at + 1000000);
	cr_assert(!pl.items[1].picture.has);
	plain_product_line_page_free(&pl);
	q.offset = 2;
	q.desc = true;
	ST_OK(plain_product_line_list(db, &q, &pl));
	cr_assert_eq(pl.n, 1);
	cr_assert(!pl.has_more);
	cr_assert_str_eq(pl.items[0].sku, "S-0", "descending, the third row is the first sku");
	plain_product_line_page_free(&pl);
	ST_OK(plain_product_line_count(db, NULL, &n));
	cr_assert_eq(n, 3);

	/* the start-up check knows the views' declared columns */
	ST_OK(plain_schema_check(db));
	ST_OK(strata_exec(db, "DROP VIEW product_lines"));
	ST_OK(strata_exec(db, "CREATE VIEW product_lines AS SELECT sku, price FROM products"));
	cr_assert_eq(plain_schema_check(db), STRATA_ENOTFOUND);
	cr_assert_str_eq(strata_error_last()->message,
			 "the database does not match the schema the code was generated from: view product_lines: "
			 "missing column category; view product_lines: missing column checked_at; view product_lines: "
			 "missing column picture");
	(void)url;
}

/*
 * A table without a primary key (databases made elsewhere have them), with
 * a column and enum values whose names are not C identifiers: rows
 * go in and come back through insert, list and count; nothing names one
 * row, so there is no get, update or delete (the compile matrix builds the
 * header, which declares none).
 */
DB_TEST(gen, a_table_without_a_primary_key)
{
	apply_plain(db);
	plain_product p;
	insert_product(db, "c", "S", &p);
	plain_price_log rows[3];
	memset(rows, 0, sizeof rows);
	const char *prices[] = { "1.50", "2.25", "3.00" };
	for (int i = 0; i < 3; i++) {
		rows[i].product_id = p.id;
		rows[i].price = prices[i];
	}
	/* names that are not C identifiers: set_by is "set by", the stage values hold a space and start with a digit */
	rows[0].set_by = "ops team";
	rows[0].stage = (plain_stage_opt)STRATA_SOME(PLAIN_STAGE_IN_PROGRESS);
	rows[1].stage = (plain_stage_opt)STRATA_SOME(PLAIN_STAGE_2ND_TRY);
	ST_OK(plain_price_log_insert(db, &rows[0]));
	ST_OK(plain_price_log_insert_many(db, rows + 1, 2));
	int64_t n = 0;
	ST_OK(plain_price_log_count(db, NULL, &n));
	cr_assert_eq(n, 3);
	plain_price_log_page page;
	ST_OK(plain_price_log_list(db, NULL, &page));
	cr_assert_eq(page.n, 3);
	int seen = 0;
	for (size_t i = 0; i < page.n; i++)
		for (int k = 0; k < 3; k++)
			if (strtod(page.items[i].price, NULL) == strtod(prices[k], NULL))
				seen |= 1 << k;
	cr_assert_eq(seen, 7, "every price comes back");
	char *json = NULL;
	ST_OK(plain_price_log_page_to_json(&page, &json));
	cr_assert(strstr(json, "\"product_id\"") && strstr(json, "\"set by\":\"ops team\"") &&
			  strstr(json, "\"stage\":\"in progress\"") && strstr(json, "\"stage\":\"2nd try\""),
		  "%s", json);
	free(json);
	/* stored as the database names them */
	char *stored = NULL;
	ST_OK(strata_query_text(
		db, &stored, "SELECT \"set by\" || '/' || stage FROM price_log WHERE stage = 'in progress'", NULL, 0));
	cr_assert_str_eq(stored, "ops team/in progress");
	free(stored);
	plain_price_log_page_free(&page);
	(void)url;
	(void)backend;
}
