CREATE TABLE "emoji" (
	"community_id" text NOT NULL,
	"name" text NOT NULL,
	"image_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "emoji_community_id_name_pk" PRIMARY KEY("community_id","name")
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" text PRIMARY KEY NOT NULL,
	"slot" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"size" integer NOT NULL,
	"uploader_id" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "icon_id" text;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "accent" text;--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "icon_id" text;--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "banner_id" text;--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "accent" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "avatar_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "banner_id" text;--> statement-breakpoint
ALTER TABLE "emoji" ADD CONSTRAINT "emoji_community_id_communities_id_fk" FOREIGN KEY ("community_id") REFERENCES "public"."communities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "images_uploader_idx" ON "images" USING btree ("uploader_id");