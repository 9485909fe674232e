/* The generated data access for the tasks example, on both backends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_support.h"

DB_TEST(gen, insert_fills_defaults_and_get_reads_everything_back)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	const char *labels[] = { "home", "has \"quotes\", commas", "ünïcode" };
	strata_timestamp due;
	ST_OK(strata_timestamp_parse("2027-01-02T03:04:05.123456Z", 27, &due));
	task t = { 0 };
	t.title = "Write the report";
	t.config = "{\"remind\": true, \"every\": [1, 2]}";
	t.labels = (strata_opt_text_array)STRATA_SOME(((strata_text_array){ labels, 3 }));
	t.due_date = (strata_opt_timestamp)STRATA_SOME(due);
	strata_timestamp before = strata_timestamp_now();
	ST_OK(task_insert(db, alice, &t));
	cr_assert_gt(t.id.v, 0, "insert returns the new id");
	cr_assert(t.priority.has && t.priority.v == 0, "default priority filled in");
	cr_assert(t.state.has && t.state.v == STATUS_PENDING, "default state filled in");
	cr_assert(t.created_at.has && t.created_at.v >= before, "created_at filled in");
	cr_assert(memcmp(&t.user_id, &alice, sizeof alice) == 0, "owner set");

	task *got = NULL;
	ST_OK(task_get(db, alice, t.id, false, &got));
	cr_assert_str_eq(got->title, "Write the report");
	cr_assert_eq(got->priority.v, 0);
	cr_assert_eq(got->state.v, STATUS_PENDING);
	cr_assert(strstr(got->config, "\"remind\"") != NULL, "%s", got->config);
	cr_assert(got->labels.has);
	cr_assert_eq(got->labels.v.n, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(got->labels.v.items[i], labels[i]);
	cr_assert(got->due_date.has);
	cr_assert_eq(got->due_date.v, due);
	cr_assert_eq(got->created_at.v, t.created_at.v, "timestamps keep microseconds");
	cr_assert(!got->deleted_at.has);
	task_free(got);

	/* NULLs come back as absent */
	task bare = { 0 };
	bare.title = "bare";
	bare.priority = (strata_opt_int32)STRATA_SOME(3);
	bare.state = (status_opt)STRATA_SOME(STATUS_RUNNING);
	ST_OK(task_insert(db, alice, &bare));
	ST_OK(task_get(db, alice, bare.id, false, &got));
	cr_assert_null(got->config);
	cr_assert(!got->labels.has);
	cr_assert(!got->due_date.has);
	cr_assert_eq(got->priority.v, 3, "an explicit value beats the default");
	cr_assert_eq(got->state.v, STATUS_RUNNING);
	task_free(got);

	task_id missing = { t.id.v + 1000 };
	ST_EXPECT(task_get(db, alice, missing, false, &got), STRATA_ENOTFOUND);
	cr_assert_null(got);
	(void)url;
	(void)backend;
}

DB_TEST(gen, constraints_surface_as_statuses)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	user dup = { 0 };
	dup.email = "alice@example.com";
	dup.name = "Again";
	ST_EXPECT(user_insert(db, &dup), STRATA_ECONSTRAINT);
	cr_assert(strstr(strata_error_last()->constraint, "email") != NULL, "%s", strata_error_last()->constraint);
	task t = { 0 };
	t.title = "too important";
	t.priority = (strata_opt_int32)STRATA_SOME(9); /* check (priority between 0 and 4) */
	ST_EXPECT(task_insert(db, alice, &t), STRATA_ECONSTRAINT);
	task no_title = { 0 };
	ST_EXPECT(task_insert(db, alice, &no_title), STRATA_ECONSTRAINT);
	(void)url;
	(void)backend;
}

DB_TEST(gen, update_writes_only_the_named_fields)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	task t = { 0 };
	t.title = "original";
	t.config = "{\"a\": 1}";
	ST_OK(task_insert(db, alice, &t));
	task *before = NULL;
	ST_OK(task_get(db, alice, t.id, false, &before));

	task v = { 0 };
	v.title = "renamed";
	v.priority = (strata_opt_int32)STRATA_SOME(4);
	v.config = NULL; /* not in the mask: must stay */
	ST_OK(task_update(db, alice, t.id, &v, TASK_TITLE | TASK_PRIORITY));
	task *after = NULL;
	ST_OK(task_get(db, alice, t.id, false, &after));
	cr_assert_str_eq(after->title, "renamed");
	cr_assert_eq(after->priority.v, 4);
	cr_assert_str_eq(after->config, before->config, "a field outside the mask changed");
	cr_assert_geq(after->updated_at.v, before->updated_at.v);
	cr_assert_eq(after->created_at.v, before->created_at.v);
	task_free(after);

	/* setting a nullable field to NULL through the mask */
	ST_OK(task_update(db, alice, t.id, &v, TASK_CONFIG));
	ST_OK(task_get(db, alice, t.id, false, &after));
	cr_assert_null(after->config);
	task_free(after);
	task_free(before);

	ST_EXPECT(task_update(db, alice, t.id, &v, 0), STRATA_EINVAL);
	task_id missing = { t.id.v + 99 };
	ST_EXPECT(task_update(db, alice, missing, &v, TASK_TITLE), STRATA_ENOTFOUND);
	(void)url;
	(void)backend;
}

DB_TEST(gen, soft_delete_restore_and_hard_delete)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	task t = { 0 };
	t.title = "to delete";
	ST_OK(task_insert(db, alice, &t));
	ST_OK(task_delete(db, alice, t.id));
	task *got = NULL;
	ST_EXPECT(task_get(db, alice, t.id, false, &got), STRATA_ENOTFOUND);
	ST_OK(task_get(db, alice, t.id, true, &got));
	cr_assert(got->deleted_at.has, "deleted_at set");
	task_free(got);
	int64_t n;
	ST_OK(task_count(db, alice, NULL, &n));
	cr_assert_eq(n, 0, "soft-deleted rows are not counted");
	task_query all = { 0 };
	all.with_deleted = true;
	ST_OK(task_count(db, alice, &all, &n));
	cr_assert_eq(n, 1);
	ST_EXPECT(task_delete(db, alice, t.id), STRATA_ENOTFOUND);
	task v = { 0 };
	v.title = "x";
	ST_EXPECT(task_update(db, alice, t.id, &v, TASK_TITLE), STRATA_ENOTFOUND);

	ST_OK(task_restore(db, alice, t.id));
	ST_OK(task_get(db, alice, t.id, false, &got));
	cr_assert(!got->deleted_at.has);
	task_free(got);
	ST_EXPECT(task_restore(db, alice, t.id), STRATA_ENOTFOUND);

	ST_OK(task_hard_delete(db, alice, t.id));
	ST_EXPECT(task_get(db, alice, t.id, true, &got), STRATA_ENOTFOUND);
	ST_EXPECT(task_hard_delete(db, alice, t.id), STRATA_ENOTFOUND);
	(void)url;
	(void)backend;
}

DB_TEST(gen, owners_cannot_touch_each_others_rows)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	user_id bob = gen_make_user(db, "bob@example.com");
	task t = { 0 };
	t.title = "alice's";
	ST_OK(task_insert(db, alice, &t));
	tag bobs_tag = { 0 };
	bobs_tag.name = "bob-only";
	ST_OK(tag_insert(db, bob, &bobs_tag));
	tag alices_tag = { 0 };
	alices_tag.name = "mine";
	ST_OK(tag_insert(db, alice, &alices_tag));

	task *got = NULL;
	ST_EXPECT(task_get(db, bob, t.id, false, &got), STRATA_ENOTFOUND);
	cr_assert(strstr(strata_error_last()->message, "for this owner") != NULL, "%s", strata_error_last()->message);
	task v = { 0 };
	v.title = "hijacked";
	ST_EXPECT(task_update(db, bob, t.id, &v, TASK_TITLE), STRATA_ENOTFOUND);
	int64_t changed = -1;
	ST_OK(task_update_many(db, bob, &t.id, 1, &v, TASK_TITLE, &changed));
	cr_assert_eq(changed, 0, "bulk update reached another owner's row");
	ST_EXPECT(task_delete(db, bob, t.id), STRATA_ENOTFOUND);
	ST_EXPECT(task_hard_delete(db, bob, t.id), STRATA_ENOTFOUND);
	int64_t n = -1;
	ST_OK(task_count(db, bob, NULL, &n));
	cr_assert_eq(n, 0);
	task_page page;
	ST_OK(task_list(db, bob, NULL, &page));
	cr_assert_eq(page.n, 0);
	task_page_free(&page);

	/* the junction table is scoped through its task, and its tag must be the owner's too */
	task_tag link = { 0 };
	link.task_id = t.id;
	link.tag_id = alices_tag.id;
	ST_EXPECT(task_tag_insert(db, bob, &link), STRATA_ENOTFOUND);
	link.tag_id = bobs_tag.id;
	ST_EXPECT(task_tag_insert(db, alice, &link), STRATA_ENOTFOUND);
	link.tag_id = alices_tag.id;
	ST_OK(task_tag_insert(db, alice, &link));
	ST_EXPECT(task_tag_delete(db, bob, t.id, alices_tag.id), STRATA_ENOTFOUND);
	task_tag_page links;
	ST_OK(task_tag_list(db, bob, NULL, &links));
	cr_assert_eq(links.n, 0);
	task_tag_page_free(&links);

	/* alice's row is untouched */
	ST_OK(task_get(db, alice, t.id, false, &got));
	cr_assert_str_eq(got->title, "alice's");
	task_free(got);
	ST_OK(task_tag_delete(db, alice, t.id, alices_tag.id));
	(void)url;
	(void)backend;
}

DB_TEST(gen, unscoped_variant_exists_only_by_name)
{
	gen_apply_schema(db);
	user_id alice = gen_make_user(db, "alice@example.com");
	user_id bob = gen_make_user(db, "bob@example.com");
	task a = { 0 }, b = { 0 };
	a.title = "alice's";
	b.title = "bob's";
	ST_OK(task_insert(db, alice, &a));
	ST_OK(task_insert(db, bob, &b));
	/* `unscoped admin` in the schema: reads across owners under that name only */
	int64_t n = 0;
	ST_OK(task_admin_count(db, NULL, &n));
	cr_assert_eq(n, 2);
	task_page page;
	ST_OK(task_admin_list(db, NULL, &page));
	cr_assert_eq(page.n, 2);
	task_page_free(&page);
	task *got = NULL;
	ST_OK(task_admin_get(db, b.id, false, &got));
	cr_assert_str_eq(got->title, "bob's");
	task_free(got);
	(void)url;
	(void)backend;
}
