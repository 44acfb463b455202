CREATE TABLE `channel_group_members` (
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `channel_groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `channel_group_members_user` ON `channel_group_members` (`user_id`);--> statement-breakpoint
ALTER TABLE `channel_groups` ADD `owner_user_id` text;--> statement-breakpoint
ALTER TABLE `channel_groups` ADD `private_at` integer;