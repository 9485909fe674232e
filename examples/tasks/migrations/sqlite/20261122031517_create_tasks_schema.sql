-- migrate:up
-- create tasks schema (written by strata migrate diff)
--   create table users
--   create table tasks
--   create table tags
--   create table task_tags
CREATE TABLE IF NOT EXISTS "users" (
    "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) CHECK (date(substr("created_at", 1, 10), '+0 days') IS substr("created_at", 1, 10) AND julianday(CASE WHEN "created_at" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "created_at" || ':00' ELSE "created_at" END) IS NOT NULL),
    "updated_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) CHECK (date(substr("updated_at", 1, 10), '+0 days') IS substr("updated_at", 1, 10) AND julianday(CASE WHEN "updated_at" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "updated_at" || ':00' ELSE "updated_at" END) IS NOT NULL),
    "id" UUID PRIMARY KEY NOT NULL DEFAULT (strata_uuid_v7()) CHECK ("id" GLOB '[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]'),
    "email" VARCHAR(255) NOT NULL UNIQUE CHECK (length("email") <= 255),
    "name" VARCHAR(100) NOT NULL CHECK (length("name") <= 100),
    "is_active" BOOLEAN NOT NULL DEFAULT 1 CHECK ("is_active" IN (0, 1))
);
CREATE TRIGGER IF NOT EXISTS "users_updated_at_auto_update" AFTER UPDATE ON "users" FOR EACH ROW WHEN NEW."updated_at" IS OLD."updated_at" BEGIN UPDATE "users" SET "updated_at" = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END;
CREATE TABLE IF NOT EXISTS "tasks" (
    "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) CHECK (date(substr("created_at", 1, 10), '+0 days') IS substr("created_at", 1, 10) AND julianday(CASE WHEN "created_at" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "created_at" || ':00' ELSE "created_at" END) IS NOT NULL),
    "updated_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) CHECK (date(substr("updated_at", 1, 10), '+0 days') IS substr("updated_at", 1, 10) AND julianday(CASE WHEN "updated_at" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "updated_at" || ':00' ELSE "updated_at" END) IS NOT NULL),
    "deleted_at" TIMESTAMP CHECK ("deleted_at" IS NULL OR date(substr("deleted_at", 1, 10), '+0 days') IS substr("deleted_at", 1, 10) AND julianday(CASE WHEN "deleted_at" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "deleted_at" || ':00' ELSE "deleted_at" END) IS NOT NULL),
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "user_id" UUID NOT NULL CHECK ("user_id" GLOB '[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]'),
    "title" VARCHAR(200) NOT NULL CHECK (length("title") <= 200),
    "priority" INTEGER NOT NULL DEFAULT 0 CONSTRAINT "tasks_priority_check" CHECK (priority between 0 and 4),
    "state" ENUM "status" NOT NULL DEFAULT 'pending' CHECK ("state" IN ('pending', 'running', 'completed', 'failed')),
    "config" JSON CHECK ("config" IS NULL OR json_valid("config")),
    "labels" JSON ARRAY OF VARCHAR(40) CHECK ("labels" IS NULL OR json_valid("labels") AND json_type("labels") = 'array'),
    "due_date" TIMESTAMP CHECK ("due_date" IS NULL OR date(substr("due_date", 1, 10), '+0 days') IS substr("due_date", 1, 10) AND julianday(CASE WHEN "due_date" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "due_date" || ':00' ELSE "due_date" END) IS NOT NULL),
    CONSTRAINT "tasks_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "tasks_user_id_id_idx" ON "tasks" ("user_id", "id");
CREATE INDEX IF NOT EXISTS "tasks_user_id_priority_idx" ON "tasks" ("user_id", "priority");
CREATE INDEX IF NOT EXISTS "tasks_user_id_state_idx" ON "tasks" ("user_id", "state");
CREATE INDEX IF NOT EXISTS "open_by_due" ON "tasks" ("user_id", "due_date") WHERE state <> 'completed';
CREATE TRIGGER IF NOT EXISTS "tasks_updated_at_auto_update" AFTER UPDATE ON "tasks" FOR EACH ROW WHEN NEW."updated_at" IS OLD."updated_at" BEGIN UPDATE "tasks" SET "updated_at" = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END;
CREATE TRIGGER IF NOT EXISTS "tasks_labels_items_insert" BEFORE INSERT ON "tasks" FOR EACH ROW WHEN json_valid(NEW."labels") AND json_type(NEW."labels") = 'array' AND EXISTS (SELECT 1 FROM json_each(NEW."labels") WHERE NOT ("type" = 'null' OR "type" = 'text' AND length("value") <= 40)) BEGIN SELECT RAISE(ABORT, 'tasks.labels: every item of this array must be a string of at most 40 characters, or null'); END;
CREATE TRIGGER IF NOT EXISTS "tasks_labels_items_update" BEFORE UPDATE OF "labels" ON "tasks" FOR EACH ROW WHEN json_valid(NEW."labels") AND json_type(NEW."labels") = 'array' AND EXISTS (SELECT 1 FROM json_each(NEW."labels") WHERE NOT ("type" = 'null' OR "type" = 'text' AND length("value") <= 40)) BEGIN SELECT RAISE(ABORT, 'tasks.labels: every item of this array must be a string of at most 40 characters, or null'); END;
CREATE TABLE IF NOT EXISTS "tags" (
    "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) CHECK (date(substr("created_at", 1, 10), '+0 days') IS substr("created_at", 1, 10) AND julianday(CASE WHEN "created_at" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "created_at" || ':00' ELSE "created_at" END) IS NOT NULL),
    "updated_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) CHECK (date(substr("updated_at", 1, 10), '+0 days') IS substr("updated_at", 1, 10) AND julianday(CASE WHEN "updated_at" GLOB '*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN "updated_at" || ':00' ELSE "updated_at" END) IS NOT NULL),
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "user_id" UUID NOT NULL CHECK ("user_id" GLOB '[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]-[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]'),
    "name" VARCHAR(50) NOT NULL CHECK (length("name") <= 50),
    CONSTRAINT "tags_user_id_name_key" UNIQUE ("user_id", "name"),
    CONSTRAINT "tags_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE TRIGGER IF NOT EXISTS "tags_updated_at_auto_update" AFTER UPDATE ON "tags" FOR EACH ROW WHEN NEW."updated_at" IS OLD."updated_at" BEGIN UPDATE "tags" SET "updated_at" = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END;
CREATE TABLE IF NOT EXISTS "task_tags" (
    "task_id" BIGINT NOT NULL,
    "tag_id" BIGINT NOT NULL,
    PRIMARY KEY ("task_id", "tag_id"),
    CONSTRAINT "task_tags_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON DELETE CASCADE,
    CONSTRAINT "task_tags_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "tags" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "task_tags_tag_id_idx" ON "task_tags" ("tag_id");

-- migrate:down
-- strata:destructive DROP TABLE loses every row
DROP TABLE IF EXISTS "task_tags";
-- strata:destructive DROP TABLE loses every row
DROP TABLE IF EXISTS "tags";
-- strata:destructive DROP TABLE loses every row
DROP TABLE IF EXISTS "tasks";
-- strata:destructive DROP TABLE loses every row
DROP TABLE IF EXISTS "users";
