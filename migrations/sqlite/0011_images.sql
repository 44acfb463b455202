CREATE TABLE `emoji` (
	`community_id` text NOT NULL,
	`name` text NOT NULL,
	`image_id` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`community_id`, `name`),
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`slot` text NOT NULL,
	`content_type` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`size` integer NOT NULL,
	`uploader_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `images_uploader_idx` ON `images` (`uploader_id`);--> statement-breakpoint
ALTER TABLE `channels` ADD `icon_id` text;--> statement-breakpoint
ALTER TABLE `channels` ADD `accent` text;--> statement-breakpoint
ALTER TABLE `communities` ADD `icon_id` text;--> statement-breakpoint
ALTER TABLE `communities` ADD `banner_id` text;--> statement-breakpoint
ALTER TABLE `communities` ADD `accent` text;--> statement-breakpoint
ALTER TABLE `users` ADD `avatar_id` text;--> statement-breakpoint
ALTER TABLE `users` ADD `banner_id` text;