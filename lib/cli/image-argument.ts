import { CephNameSchema } from '../../events/rbd-lock-detected.ts';

/** `pool/image` as the CLI takes it (and as `rbd` names an image), or what is wrong with it. */
export const parseImageArgument = (argument: string): { pool: string; image: string } | { issue: string } => {
  const parts = argument.split('/');
  const [pool, image] = parts;
  if (
    parts.length === 2 &&
    pool !== undefined &&
    image !== undefined &&
    CephNameSchema.safeParse(pool).success &&
    CephNameSchema.safeParse(image).success
  ) {
    return { pool, image };
  }
  return { issue: `image "${argument}" must be <pool>/<image> (letters, digits, ".", "_", "-" in each)` };
};
