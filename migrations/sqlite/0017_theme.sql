ALTER TABLE `communities` ADD `theme_source` text;--> statement-breakpoint
ALTER TABLE `communities` ADD `theme_css` text;