import { parse } from 'yaml';
import { InvalidInputError, messageOf } from '../errors.ts';
import { formatIssue } from '../issues.ts';
import { type AppSpec, AppSpecSchema } from './spec.ts';

/**
 * An app spec from the text of a YAML or JSON file (JSON is YAML), validated in full: the error lists every
 * problem with its path (`containers[0].repository: ...`), so one edit fixes them all.
 */
export const parseAppSpec = (text: string, file: string): AppSpec => {
  let document: unknown;
  try {
    document = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new InvalidInputError(`${file} is not valid YAML or JSON`, [messageOf(error).split('\n')[0] ?? '']);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new InvalidInputError(`${file} must hold one app (a mapping with name, namespace, containers, ...)`);
  }
  const result = AppSpecSchema.safeParse(document);
  if (!result.success) throw new InvalidInputError(`${file} is not a valid app`, result.error.issues.map(formatIssue));
  return result.data;
};
