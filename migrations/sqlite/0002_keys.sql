CREATE TABLE `device_lists` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`list` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `key_backups` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`size` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `one_time_prekeys` (
	`device_id` text NOT NULL,
	`key_id` integer NOT NULL,
	`public_key` text NOT NULL,
	PRIMARY KEY(`device_id`, `key_id`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `devices` ADD `signed_prekey` text;--> statement-breakpoint
ALTER TABLE `devices` ADD `kyber_prekey` text;