CREATE TABLE "files" (
	"id" text PRIMARY KEY NOT NULL,
	"channel_id" text NOT NULL,
	"uploader_id" text NOT NULL,
	"uploader_ip" text NOT NULL,
	"size" bigint NOT NULL,
	"received" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE INDEX "files_channel_idx" ON "files" USING btree ("channel_id");--> statement-breakpoint
CREATE INDEX "files_uploader_idx" ON "files" USING btree ("uploader_id");