ALTER TABLE "ledge_changes" ALTER COLUMN "data" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "ledge_changes" ALTER COLUMN "prev" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "ledge_objects" ALTER COLUMN "data" SET DATA TYPE text;