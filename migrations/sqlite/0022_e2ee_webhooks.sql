ALTER TABLE `webhooks` ADD `bot_user_id` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `approved_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_bot_user_idx` ON `webhooks` (`bot_user_id`);