"""Which tables the app shows: an application's models (``--models``) or the database itself
(``--reflect``). Screens ask the registry for the table list and for one table's `EntitySpec`;
they never read the catalog or the metadata themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.entities.catalog import ReflectedCatalog, TableInfo, list_tables
from tui.entities.introspect import entities_from_metadata

if TYPE_CHECKING:
    from tui.db.session import SessionManager
    from tui.entities.admin import TableAdmin
    from tui.entities.models_source import LoadedModels
    from tui.entities.spec import EntitySpec


class UnknownTableError(LookupError):
    """The table is not among the registry's tables; ``str()`` is one line to show."""


@dataclass
class Registry:
    """The tables of one browse session.

    Built with `from_models` (every table of the application's metadata, described once at
    start) or `reflecting` (the database's catalog; a table is reflected when first opened).
    """

    source: str
    models: LoadedModels | None = None
    schema: str | None = None
    _entities: dict[str, EntitySpec] = field(default_factory=dict)
    #: Per-table overrides by table name (see `tui.entities.admin`).
    admins: dict[str, TableAdmin] = field(default_factory=dict)
    _catalog: ReflectedCatalog | None = None
    #: The tables found by the last `tables()` call (for the command palette).
    listed: list[TableInfo] = field(default_factory=list)

    @classmethod
    def from_models(
        cls,
        models: LoadedModels,
        source: str,
        admins: dict[str, TableAdmin] | None = None,
    ) -> Registry:
        """The tables of `models` (a ``--models`` target named `source`), with `admins`
        (overrides by table name)."""
        entities = entities_from_metadata(models.metadata, models.registry)
        return cls(source=source, models=models, _entities=entities, admins=dict(admins or {}))

    def admin(self, name: str) -> TableAdmin:
        """The override of table `name` (the default one when it has none)."""
        from tui.entities.admin import DEFAULT_ADMIN

        return self.admins.get(name, DEFAULT_ADMIN)

    def labelled(self, spec: EntitySpec) -> EntitySpec:
        """`spec` as its override shows it (`TableAdmin.labelled`), its foreign keys labelled
        by the label columns the referenced tables' overrides chose."""
        from dataclasses import replace

        labelled = self.admin(spec.name).labelled(spec)
        chosen = (
            (fk.columns[0], self.admin(fk.target).label_column)
            for fk in spec.foreign_keys
            if len(fk.columns) == 1
        )
        targets = tuple((column, label) for column, label in chosen if label is not None)
        return replace(labelled, target_labels=targets) if targets else labelled

    def known(self, name: str) -> EntitySpec:
        """The spec of table `name` of the models, without I/O (`UnknownTableError`)."""
        try:
            return self._entities[name]
        except KeyError:
            raise UnknownTableError(f"no table {name!r} in {self.source}") from None

    @classmethod
    def reflecting(cls, schema: str | None = None) -> Registry:
        """Whatever the connected database holds (in `schema` on PostgreSQL)."""
        where = f" (schema {schema})" if schema else ""
        return cls(source=f"reflected database{where}", schema=schema)

    @property
    def reflected(self) -> bool:
        return self.models is None

    def forget(self) -> None:
        """Drop what was reflected (the database was switched or migrated)."""
        if self.reflected:
            self._catalog = None

    def _reflected_catalog(self) -> ReflectedCatalog:
        if self._catalog is None:
            self._catalog = ReflectedCatalog(schema=self.schema)
        return self._catalog

    async def tables(self, manager: SessionManager) -> list[TableInfo]:
        """The tables to list, with estimated row counts, sorted by name. With models, the
        models' tables (a table the database lacks is listed with no count)."""
        async with manager.read_session() as session:
            found = await list_tables(session, self.schema)
        if self.reflected:
            listed = found
        else:
            by_name = {info.name: info for info in found}
            listed = [by_name.get(name) or TableInfo(name, None, False) for name in self._entities]
        self.listed = sorted(listed, key=lambda info: info.name.lower())
        return self.listed

    def names(self) -> list[str]:
        """The table names known so far (the models', or the last listing's)."""
        if self.listed:
            return [info.name for info in self.listed]
        return sorted(self._entities, key=str.lower)

    async def entity(self, manager: SessionManager, name: str) -> EntitySpec:
        """The spec of table `name` (reflected on first use when reflecting)."""
        if not self.reflected:
            return self.known(name)
        async with manager.read_session() as session:
            return await self._reflected_catalog().entity(session, name)
