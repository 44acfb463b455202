CREATE TABLE `files` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`uploader_id` text NOT NULL,
	`uploader_ip` text NOT NULL,
	`size` integer NOT NULL,
	`received` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `files_channel_idx` ON `files` (`channel_id`);--> statement-breakpoint
CREATE INDEX `files_uploader_idx` ON `files` (`uploader_id`);