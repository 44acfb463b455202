ALTER TABLE `users` ADD `quarantined_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `quarantine_reason` text;