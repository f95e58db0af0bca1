import { GatewayError } from '../../errors.ts';

/**
 * The module's own checks of the names a caller gives for engine objects, run before the risk rule
 * (tool `validate`): a name that could be read as an option, or that no engine object can have,
 * is refused before anyone is asked to confirm or approve it. The engine-path guard
 * (safe-paths.ts) stays as the last line for anything that reaches dockerode.
 */
const CONTAINER = /^\/?[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,299}$/;
const LABEL = /^[A-Za-z0-9][\w./-]{0,255}(=[^\s\p{Cc}]{0,255})?$/u;

function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

/** A container id or name as `docker ps` shows it (letters, digits, _ . -, not starting with - or .). */
export function checkContainerRef(value: string): string {
  if (!CONTAINER.test(value))
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `${shown(value)} is not a container id or name (letters, digits, _ . -, starting with a letter or digit); see docker_container_list.`,
    );
  return value;
}

/** An image reference (name:tag, registry/name@sha256:…) or id; nothing with spaces, `..` or `//`. */
export function checkImageRef(value: string): string {
  if (!IMAGE.test(value) || value.includes('..') || value.includes('//'))
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `${shown(value)} is not an image reference (e.g. nginx:1.27, ghcr.io/owner/app:tag, or an image id); see docker_image_list.`,
    );
  return value;
}

/** A label filter: `key` or `key=value`. */
export function checkLabelFilter(value: string): string {
  if (!LABEL.test(value))
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `${shown(value)} is not a label filter ("key" or "key=value").`,
    );
  return value;
}
