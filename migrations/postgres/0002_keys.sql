CREATE TABLE "device_lists" (
	"user_id" text PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"list" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "key_backups" (
	"user_id" text PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"size" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "one_time_prekeys" (
	"device_id" text NOT NULL,
	"key_id" bigint NOT NULL,
	"public_key" text NOT NULL,
	CONSTRAINT "one_time_prekeys_device_id_key_id_pk" PRIMARY KEY("device_id","key_id")
);
--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "signed_prekey" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "kyber_prekey" text;--> statement-breakpoint
ALTER TABLE "device_lists" ADD CONSTRAINT "device_lists_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_backups" ADD CONSTRAINT "key_backups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "one_time_prekeys" ADD CONSTRAINT "one_time_prekeys_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;