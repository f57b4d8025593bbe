<?cs # Filter rules in their order, each with its Sieve form. ?>
<?cs set:Page.Title = Lang.settings.filters.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings filters">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.settings.filters.title ?></h1>
  <p class="note"><?cs var:Lang.settings.filters.note ?></p>
<?cs if:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.settings.saved ?></p>
<?cs /if ?>
  <p class="tools">
    <a class="button" id="filter-new" href="<?cs var:Page.Base ?>/settings/filters/edit"><?cs var:Lang.settings.filters.add ?></a>
    <a id="filter-export" href="<?cs var:Page.Base ?>/settings/filters/sieve"><?cs var:Lang.settings.filters.export ?></a>
  </p>
<?cs if:subcount(Rules) == 0 ?>
  <p class="empty" id="filters-empty"><?cs var:Lang.settings.filters.empty ?></p>
<?cs else ?>
  <ol class="rules" id="filter-list">
<?cs each:r = Rules ?>
    <li class="rule<?cs if:!r.Enabled ?> disabled<?cs /if ?>" data-id="<?cs var:r.Id ?>">
      <h2><a href="<?cs var:Page.Base ?>/settings/filters/edit?id=<?cs var:r.Id ?>"><?cs var:r.Name ?></a>
        <span class="state"><?cs if:r.Enabled ?><?cs var:Lang.settings.filters.enabled ?><?cs else ?><?cs var:Lang.settings.filters.disabled ?><?cs /if ?></span></h2>
      <pre class="sieve"><?cs var:r.Sieve ?></pre>
      <div class="rule-tools">
<?cs if:!r.First ?>
        <form method="post" action="<?cs var:Page.Base ?>/settings/filters" class="up">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="up"><input type="hidden" name="id" value="<?cs var:r.Id ?>">
          <button type="submit"><?cs var:Lang.settings.filters.up ?></button>
        </form>
<?cs /if ?>
<?cs if:!r.Last ?>
        <form method="post" action="<?cs var:Page.Base ?>/settings/filters" class="down">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="down"><input type="hidden" name="id" value="<?cs var:r.Id ?>">
          <button type="submit"><?cs var:Lang.settings.filters.down ?></button>
        </form>
<?cs /if ?>
        <form method="post" action="<?cs var:Page.Base ?>/settings/filters" class="toggle">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="<?cs if:r.Enabled ?>disable<?cs else ?>enable<?cs /if ?>"><input type="hidden" name="id" value="<?cs var:r.Id ?>">
          <button type="submit"><?cs if:r.Enabled ?><?cs var:Lang.settings.filters.disable ?><?cs else ?><?cs var:Lang.settings.filters.enable ?><?cs /if ?></button>
        </form>
        <form method="post" action="<?cs var:Page.Base ?>/settings/filters" class="delete">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="delete"><input type="hidden" name="id" value="<?cs var:r.Id ?>">
          <button type="submit" class="danger"><?cs var:Lang.settings.remove ?></button>
        </form>
      </div>
    </li>
<?cs /each ?>
  </ol>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
