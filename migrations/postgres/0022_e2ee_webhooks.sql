ALTER TABLE "webhooks" ADD COLUMN "bot_user_id" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "approved_at" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "webhooks_bot_user_idx" ON "webhooks" USING btree ("bot_user_id");