/** How common homelab apps show themselves: unit names, container images, process names, default ports. */
export interface AppSignature {
  app: string;
  units?: RegExp;
  images?: RegExp;
  processes?: RegExp;
  ports?: readonly number[];
}

export const APP_SIGNATURES: readonly AppSignature[] = [
  { app: 'Jellyfin', units: /^jellyfin/, images: /jellyfin/, processes: /^jellyfin/i, ports: [8096, 8920] },
  { app: 'Plex', units: /^plexmediaserver/, images: /plex/, processes: /^Plex Media/i, ports: [32400] },
  { app: 'Pi-hole', units: /^pihole-FTL/, images: /pihole/, processes: /^pihole-FTL/ },
  {
    app: 'AdGuard Home',
    units: /^AdGuardHome/i,
    images: /adguard/,
    processes: /^AdGuardHome/i,
    ports: [3000],
  },
  {
    app: 'Home Assistant',
    units: /^home-?assistant/,
    images: /home-?assistant/,
    processes: /^hass$/,
    ports: [8123],
  },
  { app: 'PostgreSQL', units: /^postgresql/, images: /postgres/, processes: /^postgres/, ports: [5432] },
  {
    app: 'MySQL/MariaDB',
    units: /^(mysql|mariadb)/,
    images: /mysql|mariadb/,
    processes: /^(mysqld|mariadbd)$/,
    ports: [3306],
  },
  {
    app: 'Redis',
    units: /^redis/,
    images: /redis|valkey/,
    processes: /^(redis|valkey)-server/,
    ports: [6379],
  },
  { app: 'MongoDB', units: /^mongod/, images: /mongo/, processes: /^mongod$/, ports: [27017] },
  { app: 'nginx', units: /^nginx/, images: /nginx/, processes: /^nginx/ },
  { app: 'Caddy', units: /^caddy/, images: /caddy/, processes: /^caddy$/, ports: [2019] },
  { app: 'Traefik', units: /^traefik/, images: /traefik/, processes: /^traefik$/ },
  { app: 'Apache httpd', units: /^(apache2|httpd)/, images: /httpd/, processes: /^(apache2|httpd)$/ },
  {
    app: 'Prometheus',
    units: /^prometheus(?!-node)/,
    images: /prom\/prometheus/,
    processes: /^prometheus$/,
    ports: [9090],
  },
  {
    app: 'Node exporter',
    units: /^prometheus-node-exporter|^node_exporter/,
    images: /node-exporter/,
    processes: /^node_exporter$/,
    ports: [9100],
  },
  { app: 'Grafana', units: /^grafana/, images: /grafana/, processes: /^grafana/, ports: [3000] },
  { app: 'Ollama', units: /^ollama/, images: /ollama/, processes: /^ollama$/, ports: [11434] },
  { app: 'Nextcloud', images: /nextcloud/, units: /^nextcloud/ },
  { app: 'WireGuard', units: /^wg-quick@/, images: /wireguard|wg-easy/, ports: [51820] },
  { app: 'Portainer', images: /portainer/, processes: /^portainer$/, ports: [9000, 9443] },
  { app: 'Docker', units: /^docker\.service$/, processes: /^dockerd$/ },
  { app: 'Tailscale', units: /^tailscaled/, processes: /^tailscaled$/, ports: [41641] },
  { app: 'OpenSSH', units: /^(ssh|sshd)\.service$/, processes: /^sshd$/, ports: [22] },
  { app: 'Samba', units: /^smbd/, processes: /^smbd$/, ports: [445] },
  { app: 'NFS server', units: /^nfs-server/, ports: [2049] },
  {
    app: 'Syncthing',
    units: /^syncthing/,
    images: /syncthing/,
    processes: /^syncthing$/,
    ports: [8384, 22000],
  },
  { app: 'Vaultwarden', units: /^vaultwarden/, images: /vaultwarden/, processes: /^vaultwarden$/ },
  { app: 'Uptime Kuma', images: /uptime-kuma/ },
  { app: 'Immich', images: /immich/ },
  { app: 'Paperless-ngx', images: /paperless/ },
  {
    app: 'Mosquitto',
    units: /^mosquitto/,
    images: /mosquitto/,
    processes: /^mosquitto$/,
    ports: [1883, 8883],
  },
  { app: 'Zigbee2MQTT', images: /zigbee2mqtt/, units: /^zigbee2mqtt/ },
  { app: 'Unbound', units: /^unbound/, processes: /^unbound$/ },
  { app: 'Cockpit', units: /^cockpit/, ports: [9090] },
  { app: 'Proxmox VE', units: /^pve(proxy|daemon)/, processes: /^pveproxy/, ports: [8006] },
  { app: 'MinIO', units: /^minio/, images: /minio/, processes: /^minio$/ },
  { app: 'InfluxDB', units: /^influxdb/, images: /influxdb/, processes: /^influxd$/, ports: [8086] },
  {
    app: 'Gitea/Forgejo',
    units: /^(gitea|forgejo)/,
    images: /gitea|forgejo/,
    processes: /^(gitea|forgejo)$/,
  },
];

/** The app a unit, image or process looks like; a port alone is weaker evidence, used only when nothing else matched. */
export function identifyApp(evidence: {
  unit?: string;
  image?: string;
  process?: string | null;
  port?: number;
}): string | null {
  for (const s of APP_SIGNATURES) {
    if (evidence.unit && s.units?.test(evidence.unit)) return s.app;
    if (evidence.image && s.images?.test(evidence.image)) return s.app;
    if (evidence.process && s.processes?.test(evidence.process)) return s.app;
  }
  if (evidence.port !== undefined)
    return APP_SIGNATURES.find((s) => s.ports?.includes(evidence.port!))?.app ?? null;
  return null;
}
