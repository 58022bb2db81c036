// A readable folder over files the cache holds: on disk ({dir}, Node) or in memory ({files},
// browsers).
import { MemoryFolderSource } from '../sources/memory-folder.js';

export async function folderFrom(place, description) {
  if (place.dir) {
    // Imported here only: browser bundles map local-folder.js to nothing (package.json "browser").
    const { LocalFolderSource } = await import('../sources/local-folder.js');
    const folder = new LocalFolderSource(place.dir);
    folder.description = description;
    return folder;
  }
  return new MemoryFolderSource(place.files, description);
}
