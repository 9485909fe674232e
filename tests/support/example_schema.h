/*
 * The schema of the design brief's example (users, tasks, tags), with a
 * comment in it: parsed by tests/schema, applied, inspected and compared
 * by tests/inspect.
 */
#ifndef STRATA_TEST_EXAMPLE_SCHEMA_H
#define STRATA_TEST_EXAMPLE_SCHEMA_H

static const char test_example_schema[] =
	"mixin timestamps {\n"
	"    created_at timestamp not null default now\n"
	"    updated_at timestamp not null default now auto_update    // trigger keeps it current\n"
	"}\n"
	"mixin soft_delete { deleted_at timestamp }\n"
	"enum status { pending running completed failed }\n"
	"\n"
	"table users {\n"
	"    use timestamps\n"
	"    id            uuid        primary key default uuid\n"
	"    email         string(255) not null unique\n"
	"    password_hash string(255) not null\n"
	"    is_active     bool        not null default true\n"
	"    index (email, is_active)\n"
	"}\n"
	"table tasks {\n"
	"    use timestamps, soft_delete\n"
	"    id       serial      primary key\n"
	"    user_id  ref users   not null on delete cascade owner\n"
	"    title    string(200) not null\n"
	"    priority int         not null default 0 check (priority between 0 and 4)\n"
	"    state    status      not null default pending\n"
	"    config   json\n"
	"    labels   string(50)[]\n"
	"    due_date timestamp\n"
	"    index (user_id, priority)\n"
	"    index open_by_due (user_id, due_date) where state <> 'completed'\n"
	"}\n"
	"table tags {\n"
	"    id serial primary key\n"
	"    name string(50) not null unique\n"
	"}\n"
	"table task_tags {\n"
	"    task_id ref tasks not null on delete cascade\n"
	"    tag_id  ref tags  not null on delete cascade\n"
	"    primary key (task_id, tag_id)\n"
	"}\n";

#endif
