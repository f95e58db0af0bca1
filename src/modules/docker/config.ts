import { bool, bytes, duration, list, section, str } from '../../config/fields.ts';

export const dockerConfig = section(
  {
    enabled: bool(true, { description: 'Expose the Docker module (containers, images, networks, stacks).' }),
    socket: str('/var/run/docker.sock', {
      description:
        'Path of the Docker engine socket. The gateway user needs access to it (usually membership of the "docker" group).',
      env: 'TAILWARDEN_DOCKER_SOCKET',
    }),
    stacks_dir: str('', {
      description:
        'Where compose stacks deployed from git are cloned (<stacks_dir>/<stack name>). Empty: "stacks" in the state directory.',
    }),
    allowed_git_hosts: list([], {
      description:
        'Repository hosts stacks may be deployed from (e.g. github.com, git.home.lan). "local" allows file:// URLs and local paths. Empty: deploying from git is refused.',
    }),
    compose_timeout: duration('4m', {
      description: 'Upper bound on one docker compose run (up, pull, down); it is killed after this.',
    }),
    git_timeout: duration('2m', { description: 'Upper bound on one git run (clone, fetch).' }),
    logs_max_bytes: bytes('256KiB', {
      description: 'Most log text one logs call returns; older lines are dropped beyond it.',
    }),
    update_health_timeout: duration('60s', {
      description:
        'After an update recreates a container, or a stack deploy or update starts its services, how long to wait for them to be running (and healthy, when they have a healthcheck) before rolling back.',
    }),
    update_settle: duration('3s', {
      description:
        'After an update starts the new container (or a stack revision), how long it must stay running before the update counts as good.',
    }),
    remote_stacks_dir: str('.tailwarden/stacks', {
      description:
        "Where a stack deployed to a fleet host (docker_stack_deploy with host) is written on that host, one directory per stack. A relative path is inside the SSH user's home.",
    }),
    remote_max_bytes: bytes('64MiB', {
      description:
        'Largest repository (tracked files at the deployed commit) shipped to a fleet host; a bigger one is refused.',
    }),
  },
  'Docker module: the Docker engine on this host, through its socket.',
);
