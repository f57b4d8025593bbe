<?cs # The user's personal address book: contacts (search, sort, pages,
     adding, deleting), groups, importing and exporting. ?>
<?cs include:"contacts-macros.cs" ?>
<?cs set:Page.Title = Lang.contacts.title ?>
<?cs set:Page.Nav = "contacts" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="contacts-page">
<?cs call:ct_tabs("contacts") ?>
<?cs if:Page.Done ?>
  <p class="notice" id="notice" role="status"><?cs var:Lang.contacts.done[Page.Done] ?></p>
<?cs /if ?>
  <h1><?cs var:Lang.contacts.title ?> <span class="count" id="total"><?cs var:List.Total ?></span></h1>
  <form class="search" method="get" action="<?cs var:Page.Base ?>/contacts" role="search" id="contact-search">
    <input type="search" name="q" value="<?cs var:List.Q ?>" maxlength="200" placeholder="<?cs var:Lang.contacts.search ?>" aria-label="<?cs var:Lang.contacts.search ?>">
    <button type="submit"><?cs var:Lang.addressbook.search_button ?></button>
  </form>
<?cs def:sortlink(key) ?><a href="<?cs var:Page.Base ?>/contacts?q=<?cs var:List.QEnc ?>&amp;sort=<?cs var:key ?>&amp;order=<?cs if:List.Sort == key && List.Order == "asc" ?>desc<?cs else ?>asc<?cs /if ?>" id="sort-<?cs var:key ?>"<?cs if:List.Sort == key ?> class="sorted <?cs var:List.Order ?>"<?cs /if ?>><?cs var:Lang.addressbook[key] ?></a><?cs /def ?>
  <table class="messages" id="contact-table">
    <thead><tr>
      <th class="from"><?cs call:sortlink("name") ?></th>
      <th class="subject"><?cs call:sortlink("email") ?></th>
      <th class="size"><?cs var:Lang.addressbook.phones ?></th>
      <th class="from"><?cs call:sortlink("company") ?></th>
      <th class="from"><?cs var:Lang.contacts.groups ?></th>
      <th class="date"></th>
    </tr></thead>
    <tbody>
<?cs each:c = Contacts ?>
      <tr data-id="<?cs var:c.Id ?>">
        <td class="from" title="<?cs var:c.Notes ?>"><?cs var:c.Name ?></td>
        <td class="subject"><?cs each:e = c.Emails ?><a href="<?cs var:Page.Base ?>/mail/compose?to=<?cs var:url_escape(e) ?>"><?cs var:e ?></a><br><?cs /each ?></td>
        <td class="size"><?cs each:p = c.Phones ?><?cs var:p ?><br><?cs /each ?></td>
        <td class="from"><?cs var:c.Company ?></td>
        <td class="from"><?cs each:g = c.Groups ?><span class="tag"><?cs var:g ?></span> <?cs /each ?></td>
        <td class="date">
          <a href="<?cs var:Page.Base ?>/contacts/edit?id=<?cs var:c.Id ?>"><?cs var:Lang.addressbook.edit ?></a>
          <form method="post" action="<?cs var:Page.Base ?>/contacts/delete" class="rename">
            <?cs call:ct_csrf() ?>
            <input type="hidden" name="id" value="<?cs var:c.Id ?>">
            <button type="submit" class="danger"><?cs var:Lang.addressbook.delete ?></button>
          </form>
        </td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:List.Total == 0 ?>
  <p class="empty" id="empty"><?cs var:Lang.contacts.none ?></p>
<?cs /if ?>
<?cs def:pagelink(p, label) ?><a href="<?cs var:Page.Base ?>/contacts?q=<?cs var:List.QEnc ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;page=<?cs var:p ?>"<?cs if:p == List.Page ?> aria-current="page"<?cs /if ?>><?cs var:label ?></a><?cs /def ?>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" id="pager" aria-label="<?cs var:Lang.mail.pages ?>">
    <?cs call:pagelink(1, Lang.mail.first) ?>
<?cs if:List.Prev ?>    <?cs call:pagelink(List.Prev, Lang.mail.prev) ?><?cs /if ?>
<?cs each:p = List.Near ?>    <?cs call:pagelink(p, p) ?><?cs /each ?>
<?cs if:List.Next ?>    <?cs call:pagelink(List.Next, Lang.mail.next) ?><?cs /if ?>
    <?cs call:pagelink(List.Pages, Lang.mail.last) ?>
  </nav>
<?cs /if ?>

  <h2><?cs var:Lang.addressbook.add ?></h2>
<?cs call:ct_error("add") ?>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/new" class="create" id="contact-form">
    <?cs call:ct_csrf() ?>
<?cs call:ct_fields() ?>
    <button type="submit"><?cs var:Lang.addressbook.add_button ?></button>
  </form>
  <p class="hint"><?cs var:Lang.addressbook.emails_note ?></p>

  <h2><?cs var:Lang.contacts.groups ?></h2>
<?cs if:subcount(Groups) == 0 ?>
  <p class="empty" id="groups-empty"><?cs var:Lang.contacts.no_groups ?></p>
<?cs else ?>
  <ul id="groups">
<?cs each:g = Groups ?>
    <li data-group="<?cs var:g.Id ?>"><a href="<?cs var:Page.Base ?>/contacts/group?id=<?cs var:g.Id ?>"><?cs var:g.Name ?></a> <span class="count"><?cs var:g.Count ?></span></li>
<?cs /each ?>
  </ul>
<?cs /if ?>
<?cs call:ct_error("group") ?>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/groups" class="create" id="group-form">
    <?cs call:ct_csrf() ?>
    <input type="hidden" name="op" value="create">
    <label><?cs var:Lang.contacts.group_name ?> <input name="name" maxlength="100" required value="<?cs var:Form.group ?>"></label>
    <button type="submit"><?cs var:Lang.contacts.group_create ?></button>
  </form>

  <h2><?cs var:Lang.addressbook.import.title ?></h2>
  <p><?cs var:Lang.addressbook.import.note ?></p>
<?cs call:ct_error("import") ?>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/import" enctype="multipart/form-data" class="create" id="import-form">
    <?cs call:ct_csrf() ?>
    <label><?cs var:Lang.addressbook.import.file ?> <input type="file" name="file" accept=".vcf,.csv,text/vcard,text/csv" required></label>
    <button type="submit"><?cs var:Lang.addressbook.import.button ?></button>
  </form>

  <h2><?cs var:Lang.addressbook.export.title ?></h2>
  <ul class="toolbar" id="export">
    <li><a href="<?cs var:Page.Base ?>/contacts/export?format=vcf" id="export-vcf"><?cs var:Lang.contacts.export_vcf ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/contacts/export?format=csv" id="export-csv"><?cs var:Lang.contacts.export_csv ?></a></li>
  </ul>
</section>
<?cs include:"footer.cs" ?>
