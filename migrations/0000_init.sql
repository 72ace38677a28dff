CREATE TABLE "ledge_changes" (
	"revision" bigint PRIMARY KEY NOT NULL,
	"resource" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"prev" jsonb
);
--> statement-breakpoint
CREATE TABLE "ledge_objects" (
	"resource" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"revision" bigint NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "ledge_objects_resource_namespace_name_pk" PRIMARY KEY("resource","namespace","name")
);
--> statement-breakpoint
CREATE TABLE "ledge_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"revision" bigint NOT NULL,
	"compacted" bigint NOT NULL,
	CONSTRAINT "ledge_state_single_row" CHECK ("ledge_state"."id" = 1)
);
--> statement-breakpoint
CREATE INDEX "ledge_changes_key_idx" ON "ledge_changes" USING btree ("resource","namespace","name","revision");