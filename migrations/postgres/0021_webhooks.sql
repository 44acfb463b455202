CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"channel_id" text NOT NULL,
	"name" text NOT NULL,
	"secret_digest" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	"rotated_at" bigint,
	"posts" integer DEFAULT 0 NOT NULL,
	"last_post_at" bigint
);
--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhooks_channel_idx" ON "webhooks" USING btree ("channel_id");