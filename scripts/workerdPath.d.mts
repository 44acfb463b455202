export const workerdPath: string;
