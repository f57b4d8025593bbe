<?cs # The preview of an address book import (both portals): the bad rows
     by line, the entries the file would add, and the forms that confirm
     or cancel it. The page including it sets Import.Path (where the forms
     post), Import.Work (show the department) and defines the macro
     import_post_fields() (the hidden fields every POST of its portal
     carries). ?>
  <h1><?cs var:Lang.addressbook.import.preview ?></h1>
  <p id="import-summary"><?cs var:Import.Filename ?> · <?cs var:Lang.addressbook.import.formats[Import.Format] ?><?cs if:Import.Format == "csv" ?> · <?cs var:Import.Charset ?><?cs /if ?></p>
  <p><?cs var:Lang.addressbook.import.count ?> <strong id="import-count"><?cs var:Import.Count ?></strong> · <?cs var:Lang.addressbook.import.bad_count ?> <strong id="import-bad-count"><?cs var:Import.BadCount ?></strong></p>
<?cs if:Import.BadCount > 0 ?>
  <h2><?cs var:Lang.addressbook.import.bad_rows ?></h2>
  <table class="messages" id="import-bad">
    <thead><tr><th class="size"><?cs var:Lang.addressbook.import.line ?></th><th class="subject"><?cs var:Lang.addressbook.import.problem ?></th></tr></thead>
    <tbody>
<?cs each:b = Import.Bad ?>
      <tr data-line="<?cs var:b.Line ?>">
        <td class="size"><?cs var:b.Line ?></td>
        <td class="subject"><?cs if:b.Key ?><?cs var:Lang.addressbook.err[b.Key] ?><?cs if:b.Bad ?> <strong><?cs var:b.Bad ?></strong><?cs /if ?><?cs else ?><?cs var:Lang.addressbook.import.unreadable ?> (<?cs var:b.Text ?>)<?cs /if ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:Import.BadMore > 0 ?>  <p class="hint"><?cs var:Lang.addressbook.import.more ?> <?cs var:Import.BadMore ?></p><?cs /if ?>
<?cs /if ?>
<?cs if:Import.Count > 0 ?>
  <h2><?cs var:Lang.addressbook.import.will_add ?></h2>
  <table class="messages" id="import-rows">
    <thead><tr>
      <th class="size"><?cs var:Lang.addressbook.import.line ?></th>
      <th class="from"><?cs var:Lang.addressbook.name ?></th>
      <th class="subject"><?cs var:Lang.addressbook.email ?></th>
      <th class="size"><?cs var:Lang.addressbook.phones ?></th>
      <th class="from"><?cs var:Lang.addressbook.company ?></th>
<?cs if:Import.Work ?>      <th class="from"><?cs var:Lang.addressbook.department ?></th>
<?cs /if ?>    </tr></thead>
    <tbody>
<?cs each:r = Import.Rows ?>
      <tr data-line="<?cs var:r.Line ?>">
        <td class="size"><?cs var:r.Line ?></td>
        <td class="from"><?cs var:r.Name ?></td>
        <td class="subject"><?cs var:r.Emails ?></td>
        <td class="size"><?cs var:r.Phones ?></td>
        <td class="from"><?cs var:r.Company ?></td>
<?cs if:Import.Work ?>        <td class="from"><?cs var:r.Department ?></td>
<?cs /if ?>      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:Import.More > 0 ?>  <p class="hint"><?cs var:Lang.addressbook.import.more ?> <?cs var:Import.More ?></p><?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?><?cs var:Import.Path ?>" class="create" id="import-confirm">
    <?cs call:import_post_fields() ?>
    <input type="hidden" name="import" value="<?cs var:Import.Id ?>">
    <input type="hidden" name="op" value="confirm">
    <button type="submit"><?cs var:Lang.addressbook.import.confirm ?></button>
  </form>
  <form method="post" action="<?cs var:Page.Base ?><?cs var:Import.Path ?>" class="create" id="import-cancel">
    <?cs call:import_post_fields() ?>
    <input type="hidden" name="import" value="<?cs var:Import.Id ?>">
    <input type="hidden" name="op" value="cancel">
    <button type="submit"><?cs var:Lang.addressbook.import.cancel ?></button>
  </form>
<?cs else ?>
  <p class="empty" id="import-nothing"><?cs var:Lang.addressbook.import.nothing ?></p>
<?cs /if ?>
